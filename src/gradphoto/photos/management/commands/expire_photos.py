"""`gradphoto expire-photos [--older-than-days N] [--dry-run] [--json]`: unlinked photos past retention."""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gradphoto.common.conf import rule
from gradphoto.common.dbstate import require_database
from gradphoto.photos.retention import MAX_DAYS, photos_expire


def _days(text: str) -> int:
    """Whole days from 1 to MAX_DAYS (argparse exits 2 with the message otherwise)."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(
            f"应为 1–{MAX_DAYS} 的整数天数 / whole days, 1 to {MAX_DAYS}: {text!r}"
        )
    return int(text)


class Command(BaseCommand):
    help = (
        "Delete photos still unlinked a retention period after upload that no claim, application or "
        "conclusion names (their files go with the next sweep-files)."
    )

    def add_arguments(self, parser: Any) -> None:
        days = rule("UNLINKED_PHOTO_RETENTION_DAYS")
        parser.add_argument(
            "--older-than-days", type=_days, default=days, help=f"retention period in days (default {days})"
        )
        parser.add_argument("--dry-run", action="store_true", help="count only; delete nothing")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        require_database()
        try:  # the default comes from GRADPHOTO_UNLINKED_PHOTO_RETENTION_DAYS, which argparse does not check
            counts = photos_expire(days=options["older_than_days"], dry_run=options["dry_run"])
        except ValueError as error:
            raise CommandError(f"GRADPHOTO_UNLINKED_PHOTO_RETENTION_DAYS: {error}", returncode=2) from error
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
