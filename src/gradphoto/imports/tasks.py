"""Background jobs of the import step (django-tasks; `gradphoto worker` runs them)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    from .services import job_run

    job_run(job_id)
