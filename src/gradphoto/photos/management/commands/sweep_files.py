"""`gradphoto sweep-files [--older-than-hours N] [--dry-run] [--json]`: photo files no row names."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.common.dbstate import require_database
from gradphoto.photos.sweep import GRACE, files_sweep


class Command(BaseCommand):
    help = "Delete photo files that no photo, staged photo or application names (after a grace period)."

    def add_arguments(self, parser: Any) -> None:
        hours = int(GRACE.total_seconds() // 3600)
        parser.add_argument(
            "--older-than-hours", type=int, default=hours, help=f"grace period (default {hours})"
        )
        parser.add_argument("--dry-run", action="store_true", help="count only; delete nothing")
        parser.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        require_database()
        grace = dt.timedelta(hours=max(options["older_than_hours"], 1))
        counts = files_sweep(grace=grace, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
