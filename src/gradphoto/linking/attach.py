"""The one guarded way the engine, the queue and claims link a photo (PRODUCT.md decision 8).

A photo links only while it is unlinked (locked, then updated); a record keeps at most one current
photo, so a further photo for a linked record is kept as a duplicate collection. Records are locked in
primary key order, like linking.services.photo_link, so two linkers cannot both make a current photo.
One audit row per linked photo, with the fields gradphoto.audit.services.audit_record writes, inserted
in bulk: the engine links up to a million photos a run, and row-by-row inserts were most of its time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from gradphoto.audit.models import AuditEvent
from gradphoto.common import clock
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import StudentRecord


def _current_photo_records(record_ids: Iterable[int]) -> set[int]:
    ids = list(record_ids)
    query = Photo.objects.filter(record_id__in=ids, link_state=LinkState.LINKED)
    return set(query.values_list("record_id", flat=True))


def _write_links(updates: list[tuple[Any, ...]]) -> None:
    """One executemany for the chunk; every row was locked and seen unlinked just before."""
    table = connection.ops.quote_name(Photo._meta.db_table)
    sql = (
        f"UPDATE {table} SET record_id = %s, link_state = %s, link_method = %s, linked_at = %s WHERE id = %s"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, updates)


_EVENT_COLUMNS = ("at", "actor_id", "actor_role", "action", "object_type", "object_id", "before", "after")


def _link_event(
    actor: Any, at: Any, photo_id: int, record_id: int, state: str, method: str, note: str
) -> tuple:
    """The row audit_record writes for a link (same fields and values), ready for one executemany."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    fields = {f.name: f for f in AuditEvent._meta.concrete_fields}
    before = {"link_state": str(LinkState.UNLINKED)}
    after = {"record": record_id, "link_state": state, "link_method": method, "note": note}
    return (
        at,
        user.pk if user else None,
        getattr(user, "role", "") if user else "system",
        f"photo.{state}",
        Photo._meta.label_lower,
        str(photo_id),
        fields["before"].get_db_prep_save(before, connection),
        fields["after"].get_db_prep_save(after, connection),
    )


def _write_events(rows: list[tuple]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _EVENT_COLUMNS)
    marks = ", ".join(["%s"] * len(_EVENT_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def photos_attach(
    *, pairs: list[tuple[int, int]], method: str, actor: Any = None, note: str = ""
) -> dict[int, str]:
    """Link (photo, record) pairs in one transaction; photo pk → new state ('' when it was not unlinked)."""
    results: dict[int, str] = {}
    with transaction.atomic():
        record_ids = sorted({record for _, record in pairs})
        list(StudentRecord.objects.select_for_update().filter(pk__in=record_ids).order_by("pk").values("pk"))
        free = set(
            Photo.objects.select_for_update()
            .filter(pk__in=[photo for photo, _ in pairs], link_state=LinkState.UNLINKED)
            .values_list("pk", flat=True)
        )
        has_current = _current_photo_records(record_ids)
        now = clock.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        updates, events = [], []
        for photo_id, record_id in pairs:
            if photo_id not in free:
                results[photo_id] = ""
                continue
            state = str(LinkState.DUPLICATE if record_id in has_current else LinkState.LINKED)
            free.discard(photo_id)
            has_current.add(record_id)
            results[photo_id] = state
            updates.append((record_id, state, method, stamp, photo_id))
            events.append(_link_event(actor, stamp, photo_id, record_id, state, method, note))
        _write_links(updates)
        _write_events(events)
    return results


def photo_attach(*, photo_id: int, record_id: int, method: str, actor: Any = None, note: str = "") -> str:
    """Link one unlinked photo to a record; '' when the photo was linked meanwhile."""
    return photos_attach(pairs=[(photo_id, record_id)], method=method, actor=actor, note=note)[photo_id]
