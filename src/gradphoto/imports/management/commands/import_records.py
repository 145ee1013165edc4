"""`gradphoto import-records FILE --school CODE [--json]` (PRODUCT.md "Command line")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.imports.cli import run_import_command


class Command(BaseCommand):
    help = "Import a 学籍 file (CSV in UTF-8 or GB18030, or XLSX) for one school."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="院校代码 (5 digits)")
        parser.add_argument("--admission-photos", help="ZIP of 录取照片 named <学号>.jpg or <考生号>.jpg")
        parser.add_argument("--json", action="store_true", help="print one JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        run_import_command(
            self,
            kind="records",
            path=options["file"],
            org_code=options["school"],
            org_kind="school",
            as_json=options["json"],
            extra=options["admission_photos"],
        )
