"""Background job of the outbox (django-tasks; `gradphoto worker` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    from .services import deliver

    return deliver(message_ids)


@task()
def photos_ready(photo_ids: list[int]) -> int:
    """Tell the students of newly linked photos that their photo is there to verify (once per photo)."""
    from .services import notify_photos_ready

    return notify_photos_ready(photo_ids=photo_ids)
