"""The `gradphoto` console script: the project's manage.py (PRODUCT.md "Command line")."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradphoto.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    # Our commands are spelled with hyphens on the command line (import-records) and live in
    # modules with underscores (import_records.py).
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
