"""`gradphoto remind [--today YYYY-MM-DD]`: queue deadline reminders for students yet to verify."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from gradphoto.common.dbstate import require_database
from gradphoto.notifications.services import remind_unverified


class Command(BaseCommand):
    help = "Remind students with an unverified photo whose school's deadline is near (run it daily)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to act as (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        require_database()
        count = remind_unverified(today=options["today"])
        self.stdout.write(f"reminded={count}")
