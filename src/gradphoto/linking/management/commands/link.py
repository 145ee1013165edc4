"""`gradphoto link [--school CODE …] [--json]`: due claims, then the linkage engine (README.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gradphoto.common.dbstate import require_database
from gradphoto.linking.engine import run
from gradphoto.organisations.models import Organisation, OrgKind


class Command(BaseCommand):
    help = "Apply due photo claims and link the unlinked photos (certain links; suggestions for review)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--school", action="append", help="院校代码; repeat for several (default: all)")
        parser.add_argument("--json", action="store_true", help="print one JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        require_database()
        school_ids = None
        if options["school"]:
            found = dict(
                Organisation.objects.filter(kind=OrgKind.SCHOOL, code__in=options["school"]).values_list(
                    "code", "pk"
                )
            )
            missing = sorted(set(options["school"]) - set(found))
            if missing:
                raise CommandError(f"找不到院校代码：{', '.join(missing)}", returncode=2)
            school_ids = list(found.values())
        summary = run(school_ids=school_ids)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        for key, value in summary.items():
            self.stdout.write(f"{key}: {value}")
