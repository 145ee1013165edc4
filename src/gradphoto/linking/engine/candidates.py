"""Tiered candidate search in the database: set-based joins and B-tree probes, no scans (LINKAGE.md §4).

The same SQL on SQLite and PostgreSQL: equi-joins on the derived key columns (keys.py), whose indexes
are declared on the models. Batch tiers (photos → records): T0 exact ID, T1 repaired IDs, T2 birth date
+ pinyin, T3 school + pinyin and school + student number, T4 school + birth date for photos whose ID
is invalid or missing. The student's search (records → photos) probes the same keys the other way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection

from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import StudentRecord

from .compare import Identity
from .normalise import excel_truncated, id_repairs, normalise_name, one_edit_variants

PROBE_ROWS = 500  # rows read per search probe, linked ones included (a key is shared by a handful)
IN_CHUNK = 5000  # values per IN list (SQLite takes 32766 parameters, PostgreSQL 65535)
# Each join is "photo p → record r"; the photo side is limited to unlinked photos in scope.
JOINS = {
    "T0_id": "r.id_key = p.id_key AND p.id_key <> ''",
    "T2_birth_pinyin": "r.birth_key = p.birth_key AND r.pinyin_key = p.pinyin_key AND p.birth_key <> ''",
    "T3_school_pinyin": "r.school_id = p.school_id AND r.pinyin_key = p.pinyin_key AND p.pinyin_key <> ''",
    "T3_school_student_no": (
        "r.school_id = p.school_id AND r.student_no = p.student_no_collected AND p.student_no_collected <> ''"
    ),
    "T4_school_birth": "r.school_id = p.school_id AND r.birth_key = p.birth_key AND p.birth_key <> '' "
    "AND (p.id_valid = %s OR p.pinyin_key LIKE %s)",
}
# T4 is for photos whose ID cannot name the record, and for names with a '?' (the pinyin key keeps it):
# such a name cannot tell twins apart, so the twin must be a candidate too.
T4_PARAMS: tuple[bool, str] = (False, "%?%")
PHOTO_COLUMNS = (
    "pk",
    "school_id",
    "name_collected",
    "id_key",
    "id_valid",
    "birth_key",
    "pinyin_key",
    "student_no_collected",
)
RECORD_COLUMNS = ("pk", "school_id", "name", "id_key", "birth_key", "pinyin_key", "student_no")


def identity_from_keys(row: tuple[Any, ...]) -> Identity:
    """An Identity from stored keys (PHOTO_COLUMNS or RECORD_COLUMNS order, id_valid for records)."""
    if len(row) == 8:
        pk, school, name, key, valid, birth, py, student_no = row
    else:
        pk, school, name, key, birth, py, student_no = row
        valid = bool(key)
    norm = normalise_name(name)
    return Identity(pk, str(school), norm, py, key, bool(valid), birth, (student_no or "").strip())


def rows_in(model: Any, columns: tuple[str, ...], column: str, values: list[Any]) -> Iterator[tuple]:
    """``columns`` of the rows whose ``column`` is in ``values``, IN_CHUNK values a query.

    Plain SQL, the same on both databases: a run passes hundreds of thousands of values, and the ORM's
    per-value preparation of ``__in`` lists was a measurable share of its time.
    """
    quote = connection.ops.quote_name
    table, selected = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {selected} FROM {table} WHERE {quote(column)} IN ({marks})", chunk)  # noqa: S608
            yield from cursor.fetchall()


def _scope(school_ids: Iterable[int] | None) -> tuple[str, list[Any]]:
    where = "p.link_state = %s"
    params: list[Any] = [LinkState.UNLINKED.value]
    if school_ids is not None:
        ids = [int(i) for i in school_ids]
        where += f" AND p.school_id IN ({', '.join(['%s'] * len(ids)) or 'NULL'})"
        params += ids
    return where, params


UNSURE = "linking_unsure"  # a temporary table of this connection, for one batch_pairs call
_TABLES = (Photo._meta.db_table, StudentRecord._meta.db_table)


def batch_pairs(
    school_ids: Iterable[int] | None = None, records: dict[int, Identity] | None = None
) -> dict[int, set[int]]:
    """photo pk → candidate record pks, from every join tier (T1, the ID repairs, is repair_pairs).

    Early stop (LINKAGE.md §5.1 step 3): a photo whose valid ID and name are a record's exactly needs no
    tier but the exact ID. The others are collected once into a temporary table (one probe of the
    id_key index per photo) that drives the later tiers, so each probes the register only for the few
    photos still unsure, the same SQL on both databases.
    """
    photo_table, record_table = (connection.ops.quote_name(t) for t in _TABLES)
    where, params = _scope(school_ids)
    pairs: dict[int, set[int]] = defaultdict(set)
    with connection.cursor() as cursor:
        _exact_tier(cursor, where, params, pairs, records)
        _collect_unsure(cursor, where, params)
        try:
            for tier, condition in JOINS.items():
                if tier != "T0_id":  # CROSS JOIN: SQLite keeps the unsure photos as the outer loop
                    joined = f"{UNSURE} u CROSS JOIN {photo_table} p JOIN {record_table} r ON {condition}"
                    sql = f"SELECT p.id, r.id FROM {joined} WHERE p.id = u.id"  # noqa: S608
                    cursor.execute(sql, T4_PARAMS if "%s" in condition else ())
                    for photo_pk, record_pk in cursor.fetchall():
                        pairs[photo_pk].add(record_pk)
        finally:
            cursor.execute(f"DROP TABLE {UNSURE}")
    return pairs


def _exact_tier(
    cursor: Any,
    where: str,
    params: list[Any],
    pairs: dict[int, set[int]],
    records: dict[int, Identity] | None,
) -> None:
    """T0. It also reads its records' keys into ``records`` (when given): most photos find only that
    record, which then needs no second read (records_by_pk reads the rest)."""
    photo_table, record_table = (connection.ops.quote_name(t) for t in _TABLES)
    columns = ", ".join(f"r.{connection.ops.quote_name(c)}" for c in RECORD_COLUMNS[1:])
    joined = f"{photo_table} p JOIN {record_table} r ON {JOINS['T0_id']}"
    cursor.execute(f"SELECT p.id, r.id, {columns} FROM {joined} WHERE {where}", params)  # noqa: S608
    for row in cursor.fetchall():
        pairs[row[0]].add(row[1])
        if records is not None and row[1] not in records:
            records[row[1]] = identity_from_keys(row[1:])


def _collect_unsure(cursor: Any, where: str, params: list[Any]) -> None:
    """The photos in scope not settled by T0, into the temporary table. Settled: a valid ID that one
    record holds, under the photo's name as typed. decide.sure_link settles all of these (and more: it
    compares normalised names), so a photo left out here needs no other tier in either engine."""
    photo_table, record_table = (connection.ops.quote_name(t) for t in _TABLES)
    holders = f"(SELECT COUNT(*) FROM {record_table} r0 WHERE r0.id_key = p.id_key)"  # noqa: S608
    named = f"SELECT 1 FROM {record_table} r1 WHERE r1.id_key = p.id_key AND r1.name = p.name_collected"  # noqa: S608
    sure = f"p.id_valid = %s AND {holders} = 1 AND EXISTS ({named})"
    cursor.execute(f"DROP TABLE IF EXISTS {UNSURE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {UNSURE} (id INTEGER PRIMARY KEY)")
    select = f"SELECT p.id FROM {photo_table} p WHERE {where} AND NOT ({sure})"  # noqa: S608
    cursor.execute(f"INSERT INTO {UNSURE} (id) {select}", [*params, True])


def repair_pairs(photos: Iterable[Identity], pairs: dict[int, set[int]]) -> None:
    """T1: records whose ID is one edit from a photo's invalid ID; Excel-truncated IDs by prefix."""
    wanted: dict[str, list[int]] = defaultdict(list)
    truncated: list[Identity] = []
    for photo in photos:
        if photo.id_key and not photo.id_valid:
            for repaired in id_repairs(photo.id_key):
                wanted[repaired].append(photo.pk)
            if excel_truncated(photo.id_key):
                truncated.append(photo)
    for record_pk, key in rows_in(StudentRecord, ("id", "id_key"), "id_key", list(wanted)):
        for photo_pk in wanted[key]:
            pairs[photo_pk].add(record_pk)
    for photo in truncated:  # a B-tree range on the 14-digit prefix (area + birth date)
        prefix = photo.id_key[:14]
        found = StudentRecord.objects.filter(id_key__gte=prefix, id_key__lt=prefix + ":")
        pairs[photo.pk].update(found.values_list("pk", flat=True)[:50])


def unlinked_photos(school_ids: Iterable[int] | None = None) -> list[Identity]:
    """Every unlinked photo in scope with its stored keys, in primary-key order."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"p.{quote(c)}" for c in ("id", *PHOTO_COLUMNS[1:]))
    where, params = _scope(school_ids)
    with connection.cursor() as cursor:
        table = quote(Photo._meta.db_table)
        cursor.execute(f"SELECT {columns} FROM {table} p WHERE {where} ORDER BY p.id", params)  # noqa: S608
        return [identity_from_keys(row) for row in cursor.fetchall()]


def records_by_pk(pks: Iterable[int], known: dict[int, Identity] | None = None) -> dict[int, Identity]:
    """The records with these primary keys; those in ``known`` are not read again."""
    found = dict(known or {})
    columns = ("id", *RECORD_COLUMNS[1:])
    for row in rows_in(StudentRecord, columns, "id", sorted(set(pks) - found.keys())):
        found[row[0]] = identity_from_keys(row)
    return found


def photos_near_record(record: Identity, school_id: int, limit: int = 12) -> list[Identity]:
    """没照片,找找看: unlinked photos of the school by ID (exact / one edit), birth date, pinyin.

    Each probe filters on the school and one key only, so that the key's index serves it: with the
    link state in the query too, SQLite would walk every unlinked photo of the school by the
    (school, link_state) index (p50 17 ms at 1 M unlinked photos). The few rows sharing a key are
    read, and the unlinked ones kept, ``limit`` per probe by primary key.
    """
    base = Photo.objects.filter(school_id=school_id)
    found: dict[int, Identity] = {}
    probes = []
    if record.id_key:
        probes.append(base.filter(id_key__in=[record.id_key, *one_edit_variants(record.id_key)]))
    if record.birth_key:
        probes.append(base.filter(birth_key=record.birth_key))
    if record.pinyin_key:
        probes.append(base.filter(pinyin_key=record.pinyin_key))
    for query in probes:
        # No ORDER BY: it would tempt the planner to walk the school's photos in primary-key order.
        rows = sorted(
            query.order_by().values_list("link_state", *PHOTO_COLUMNS)[:PROBE_ROWS], key=lambda r: r[1]
        )
        unlinked = [row[1:] for row in rows if row[0] == LinkState.UNLINKED][:limit]
        for row in unlinked:
            found.setdefault(row[0], identity_from_keys(row))
    return list(found.values())
