"""Background job of the outbox (django-tasks; `gradphoto worker` runs it)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    from .services import deliver

    return deliver(message_ids)
