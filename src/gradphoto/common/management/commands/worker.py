"""`gradphoto worker`: runs background jobs from the database queue (django-tasks-db)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background jobs (imports, face comparison, notifications)."

    def handle(self, *args: Any, **options: Any) -> None:
        from gradphoto.imports.services import jobs_resume_abandoned

        if resumed := jobs_resume_abandoned():
            self.stdout.write(f"resumed import jobs left running by a stopped worker: {resumed}")
        call_command("db_worker")
