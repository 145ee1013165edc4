"""Face comparison runs as its own job so it never slows an import (PRODUCT.md decision 9)."""

from __future__ import annotations

from django_tasks import task


@task()
def compare_faces(record_ids: list[int]) -> int:
    from .face_checks import face_checks_run

    return face_checks_run(record_ids=record_ids)
