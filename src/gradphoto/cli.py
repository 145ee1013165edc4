"""The `gradphoto` console script: the project's manage.py (PRODUCT.md "Command line")."""

from __future__ import annotations

import os
import sys
from typing import Any


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradphoto.settings")
    from django.core.management import ManagementUtility, get_commands

    class Utility(ManagementUtility):
        """Our commands are spelled with hyphens on the command line (import-records) and live in modules
        with underscores (import_records.py): either spelling runs, help and usage show the hyphens."""

        def fetch_command(self, subcommand: str) -> Any:
            return super().fetch_command(module_name(subcommand))

        def main_help_text(self, commands_only: bool = False) -> str:
            ours = {n for n, app in get_commands().items() if app.startswith("gradphoto") and "_" in n}
            indent = "" if commands_only else "    "
            lines = super().main_help_text(commands_only).splitlines()
            return "\n".join(spelled(line, ours, indent) for line in lines)

    Utility(list(sys.argv if argv is None else argv)).execute()


def module_name(subcommand: str) -> str:
    return subcommand.replace("-", "_") if not subcommand.startswith("-") else subcommand


def spelled(line: str, ours: set[str], indent: str) -> str:
    name = line[len(indent) :]
    return indent + name.replace("_", "-") if line.startswith(indent) and name in ours else line


if __name__ == "__main__":
    main()
