"""The console script: our commands with hyphens (PRODUCT.md "Command line"), in help and usage too."""

from __future__ import annotations

import pytest

from gradphoto.cli import main


def test_help_of_a_hyphenated_command_shows_its_usage_with_hyphens(capsys):
    main(["gradphoto", "help", "import-records"])
    assert capsys.readouterr().out.startswith("usage: gradphoto import-records ")


def test_the_command_list_spells_our_commands_with_hyphens(capsys):
    main(["gradphoto", "help"])
    listed = capsys.readouterr().out.split()
    assert {"import-records", "import-photos", "sweep-files", "match", "demo", "worker"} <= set(listed)
    assert "import_records" not in listed and "migrate" in listed


def test_both_spellings_run_the_command(capsys):
    for spelling in ("import-photos", "import_photos"):
        with pytest.raises(SystemExit):
            main(["gradphoto", spelling, "--help"])
        assert f"usage: gradphoto {spelling} " in capsys.readouterr().out
