"""Background jobs of linking (django-tasks; `gradphoto worker` runs them)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def link_run(school_ids: list[int] | None = None) -> dict[str, Any]:
    """The linkage engine over the unlinked photos (another app enqueues it after every import)."""
    from .engine import run

    return run(school_ids=school_ids)


@task()
def claims_apply(claim_id: int | None = None) -> dict[str, int]:
    """Claims whose delay has passed; enqueued with run_after where the backend can defer."""
    from .claims import claims_apply_due

    return claims_apply_due()
