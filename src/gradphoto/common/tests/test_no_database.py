"""Every command that reads the database, on a new GRADPHOTO_HOME: one line and exit 2, no traceback."""

from __future__ import annotations

import pytest

from gradphoto.common.testing import run_gradphoto


@pytest.mark.parametrize("command", ["link", "expire-photos", "sweep-files", "remind", "send-notifications"])
def test_a_command_on_a_home_without_a_database_says_so_with_exit_2(tmp_path, command):
    done = run_gradphoto(tmp_path / "home", command)
    assert done.returncode == 2, done.stderr
    assert "gradphoto migrate" in done.stderr and "no_database" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_setting_that_is_not_a_whole_number_stops_with_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADPHOTO_CLAIM_DELAY_HOURS", "0.5")
    done = run_gradphoto(tmp_path / "home", "check")
    assert done.returncode == 1
    name = "GRADPHOTO_CLAIM_DELAY_HOURS"
    assert done.stderr.strip().splitlines() == [
        f"环境变量 {name} 应为整数，而不是 '0.5'（{name} must be a whole number)"
    ]
