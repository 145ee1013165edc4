"""Writing the audit trail: called by every service that changes something, inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models

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


_JSON_SCALARS = (int, float, bool, type(None))  # a tuple: `int | float | …` would build a union per call


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, _JSON_SCALARS) else str(v)) for k, v in values.items()}


_COLUMNS = ("at", "actor_id", "actor_role", "action", "object_type", "object_id", "before", "after")


def audit_many(
    *,
    actor: Any,
    at: Any,
    events: Iterable[tuple[str, type[models.Model], Any, dict[str, Any], dict[str, Any]]],
) -> int:
    """Many changes by one actor at one moment, one executemany: the rows audit_record would write.

    Each event is (action, model class, object pk, before, after). For bulk work (the linkage engine
    links up to a million photos a run), where one INSERT per row was most of the time.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    role = getattr(user, "role", "") if user else "system"
    stamp = connection.ops.adapt_datetimefield_value(at)
    json = connection.ops.adapt_json_value
    actor_id = user.pk if user else None
    shared: dict[int, tuple[dict[str, Any], Any]] = {}  # one dict object passed for every event

    def once(values: dict[str, Any]) -> Any:
        if id(values) not in shared:  # the dict is kept with its JSON, so its id stays its own
            shared[id(values)] = (values, json(_plain(values), None))
        return shared[id(values)][1]

    rows = [
        (stamp, actor_id, role, action, model._meta.label_lower, str(pk), once(b), json(_plain(a), None))
        for action, model, pk, b, a in events
    ]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})",  # noqa: S608
            rows,
        )
    return len(rows)
