"""`gradphoto expire-photos [--older-than-days N] [--dry-run] [--json]`: unlinked photos past retention."""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.common.conf import rule
from gradphoto.photos.retention import photos_expire


def _days(text: str) -> int:
    """A whole number of days, at least 1 (argparse exits 2 with the message otherwise)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"应为不小于 1 的整数天数 / a whole number of days, at least 1: {text!r}"
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
        counts = photos_expire(days=options["older_than_days"], dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
