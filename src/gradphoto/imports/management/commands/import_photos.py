"""`gradphoto import-photos ZIP --agency CODE [--json]` (PRODUCT.md "Command line")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.imports.cli import run_import_command


class Command(BaseCommand):
    help = "Import a photo batch: a ZIP with the photos and manifest.csv or manifest.xlsx."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--agency", required=True, help="the agency's code, e.g. xinhua-bj")
        parser.add_argument("--json", action="store_true", help="print one JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        run_import_command(
            self,
            kind="photos",
            path=options["file"],
            org_code=options["agency"],
            org_kind="agency",
            as_json=options["json"],
        )
