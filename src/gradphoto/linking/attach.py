"""The one guarded way the engine, the queue and claims link a photo (PRODUCT.md decision 8).

A photo links only while it is unlinked (locked, then updated); a record keeps at most one current
photo, so a further photo for a linked record is kept as a duplicate collection. Records are locked in
primary key order, like linking.services.photo_link, so two linkers cannot both make a current photo.
One audit row per linked photo, written in bulk by gradphoto.audit.services.audit_many; after commit the
students of newly linked photos are told the photo is there to verify.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from gradphoto.audit.services import audit_many
from gradphoto.common import clock
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import StudentRecord


def _select_ids(
    column: str, model: type[Any], key: str, ids: list[int], equal: list[tuple[str, Any]], *, lock: bool
) -> set[int]:
    """``column`` of the rows of ``model`` whose ``key`` is in ``ids`` and whose columns equal the
    values in ``equal``, optionally locked (FOR UPDATE where the database has it).

    Plain SQL, the same on both databases: the engine passes thousands of ids per call, and the ORM's
    per-value preparation of ``__in`` lists was a measurable share of a million-photo run.
    """
    if not ids:
        return set()
    table = connection.ops.quote_name(model._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = f"SELECT {column} FROM {table} WHERE {key} IN ({marks})"  # noqa: S608
    sql += "".join(f" AND {name} = %s" for name, _ in equal)
    sql += f" ORDER BY {column}"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(i) for i in ids] + [value for _, value in equal])
        return {row[0] for row in cursor.fetchall()}


def _write_links(updates: list[tuple[Any, ...]]) -> None:
    """One executemany for the chunk; every row was locked and seen unlinked just before."""
    table = connection.ops.quote_name(Photo._meta.db_table)
    sql = (
        f"UPDATE {table} SET record_id = %s, link_state = %s, link_method = %s, linked_at = %s WHERE id = %s"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, updates)


def photos_attach(
    *, pairs: list[tuple[int, int]], method: str, actor: Any = None, note: str = "", notify: bool = True
) -> dict[int, str]:
    """Link (photo, record) pairs in one transaction; photo pk → new state ('' when it was not unlinked)."""
    results: dict[int, str] = {}
    with transaction.atomic():
        record_ids = sorted({record for _, record in pairs})
        if connection.features.has_select_for_update:  # SQLite: the write transaction locks it all
            _select_ids("id", StudentRecord, "id", record_ids, [], lock=True)  # in id order: no deadlocks
        unlinked = [("link_state", LinkState.UNLINKED.value)]
        free = _select_ids("id", Photo, "id", sorted(p for p, _ in pairs), unlinked, lock=True)
        linked = [("link_state", LinkState.LINKED.value)]
        has_current = _select_ids("record_id", Photo, "record_id", record_ids, linked, lock=False)
        now = clock.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        updates, events = [], []
        before = {"link_state": str(LinkState.UNLINKED)}
        for photo_id, record_id in pairs:
            if photo_id not in free:
                results[photo_id] = ""
                continue
            state = str(LinkState.DUPLICATE if record_id in has_current else LinkState.LINKED)
            free.discard(photo_id)
            has_current.add(record_id)
            results[photo_id] = state
            updates.append((record_id, state, method, stamp, photo_id))
            after = {"record": record_id, "link_state": state, "link_method": method, "note": note}
            events.append((f"photo.{state}", Photo, photo_id, before, after))
        _write_links(updates)
        audit_many(actor=actor, at=now, events=events)
        ready = [photo_id for photo_id, state in results.items() if state == LinkState.LINKED]
        if ready and notify:  # the student hears the photo is there to verify, as after an import
            transaction.on_commit(lambda: _tell_students(ready), robust=True)
    return results


def _tell_students(photo_ids: list[int]) -> None:
    """As a background task: a million-photo run must not wait for a million messages."""
    from gradphoto.notifications.tasks import photos_ready

    photos_ready.enqueue(photo_ids)


def photo_attach(
    *, photo_id: int, record_id: int, method: str, actor: Any = None, note: str = "", notify: bool = True
) -> str:
    """Link one unlinked photo to a record; '' when the photo was linked meanwhile."""
    pairs = [(photo_id, record_id)]
    return photos_attach(pairs=pairs, method=method, actor=actor, note=note, notify=notify)[photo_id]
