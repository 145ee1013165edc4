"""`gradphoto worker`: runs background jobs from the database queue (django-tasks-db)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background jobs (imports, face comparison, notifications)."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker")
