"""Writing the audit trail: called by every service that changes something, inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from gradphoto.common import clock

from .models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one change; the caller's transaction makes it atomic with the change itself."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=user,
        actor_role=getattr(user, "role", "") if user else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=_plain(before or {}),
        after=_plain(after or {}),
    )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | bool | type(None)) else str(v)) for k, v in values.items()}
