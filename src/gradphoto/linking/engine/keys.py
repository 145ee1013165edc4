"""Derived, indexed linkage keys on StudentRecord and Photo, refreshed in bulk (LINKAGE.md §4).

Rows are created by other apps with key_version 0; `keys_refresh` fills every row whose key_version is
below KEY_VERSION, so creation paths need no hooks. Bump KEY_VERSION whenever normalisation changes
(a new character table, a new surname reading): the next run refreshes every row once. Code that
changes a name or an ID number in place sets key_version to 0 (`keys_mark_stale`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet

from gradphoto.photos.models import Photo
from gradphoto.records.models import StudentRecord

from .compare import Identity
from .memory import no_gc
from .normalise import birth_of, id_is_valid, id_key, normalise_name, pinyin_key

KEY_VERSION = 1
CHUNK = 20000
RESIDENT_ID = "居民身份证"
RECORD_FIELDS = ("pk", "school_id", "name", "id_type", "id_number", "birth_date", "student_no")
PHOTO_FIELDS = ("pk", "school_id", "name_collected", "id_number_collected", "student_no_collected")


def record_identity(row: tuple[Any, ...]) -> Identity:
    """A record's identity from RECORD_FIELDS values; a non-resident document has no ID key."""
    pk, school, name, id_type, number, birth, student_no = row
    key = id_key(number) if id_type == RESIDENT_ID else ""
    valid = bool(key) and id_is_valid(key)
    norm = normalise_name(name)
    birth_key = birth.isoformat().replace("-", "") if isinstance(birth, dt.date) else str(birth or "")
    return Identity(
        pk=pk,
        school=str(school),
        name=norm,
        pinyin_key=pinyin_key(norm),
        id_key=key if valid else "",
        id_valid=valid,
        birth_key=birth_key,
        student_no=student_no or "",
    )


def photo_identity(row: tuple[Any, ...]) -> Identity:
    """A photo's collection identity from PHOTO_FIELDS values: the ID as typed, normalised only."""
    pk, school, name, number, student_no = row
    key = id_key(number or "")
    norm = normalise_name(name)
    return Identity(
        pk=pk,
        school=str(school),
        name=norm,
        pinyin_key=pinyin_key(norm),
        id_key=key,
        id_valid=id_is_valid(key),
        birth_key=birth_of(key),
        student_no=(student_no or "").strip(),
    )


def _stale(model: type[Model], school_ids: Iterable[int] | None, pks: Iterable[int] | None) -> QuerySet:
    query = model._default_manager.filter(key_version__lt=KEY_VERSION)
    if school_ids is not None:
        query = query.filter(school_id__in=list(school_ids))
    if pks is not None:
        query = query.filter(pk__in=list(pks))
    return query


def _chunks(query: QuerySet, fields: tuple[str, ...]) -> Iterator[list[tuple[Any, ...]]]:
    """Stale rows in primary-key order, CHUNK at a time; each chunk is written before the next read."""
    last = 0
    while True:
        rows = list(query.filter(pk__gt=last).order_by("pk").values_list(*fields)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(table: str, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {connection.ops.quote_name(table)} SET {sets} WHERE id = %s", values)  # noqa: S608


def bulk_cache() -> None:
    """SQLite's default page cache is 2 MB; bulk key and link writes touch index pages at random,
    so a run gives this connection 256 MB (a connection setting, nothing persists)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")


def keys_refresh(
    *,
    school_ids: Iterable[int] | None = None,
    record_ids: Iterable[int] | None = None,
    photo_ids: Iterable[int] | None = None,
) -> dict[str, int]:
    """Fill the keys of every row whose key_version is stale (all, some schools, or some rows)."""
    counts = {"records": 0, "photos": 0}
    bulk_cache()
    with no_gc():
        _refresh(counts, school_ids, record_ids, photo_ids)
    return counts


def _refresh(
    counts: dict[str, int],
    school_ids: Iterable[int] | None,
    record_ids: Iterable[int] | None,
    photo_ids: Iterable[int] | None,
) -> None:
    if photo_ids is None or record_ids is not None:
        for rows in _chunks(_stale(StudentRecord, school_ids, record_ids), RECORD_FIELDS):
            values: list[tuple[Any, ...]] = []
            for row in rows:
                ident = record_identity(row)
                values.append((KEY_VERSION, ident.id_key, ident.birth_key, ident.pinyin_key, ident.pk))
            with transaction.atomic():
                _write(
                    StudentRecord._meta.db_table, ("key_version", "id_key", "birth_key", "pinyin_key"), values
                )
            counts["records"] += len(values)
    if record_ids is None or photo_ids is not None:
        for rows in _chunks(_stale(Photo, school_ids, photo_ids), PHOTO_FIELDS):
            values = []
            for row in rows:
                p = photo_identity(row)
                values.append((KEY_VERSION, p.id_key, p.id_valid, p.birth_key, p.pinyin_key, p.pk))
            with transaction.atomic():
                _write(
                    Photo._meta.db_table,
                    ("key_version", "id_key", "id_valid", "birth_key", "pinyin_key"),
                    values,
                )
            counts["photos"] += len(values)


def keys_mark_stale(*, records: Iterable[int] = (), photos: Iterable[int] = ()) -> None:
    """After an identity changes in place (erratum, fixed collection data): refresh on the next run."""
    StudentRecord.objects.filter(Q(pk__in=list(records))).update(key_version=0)
    Photo.objects.filter(Q(pk__in=list(photos))).update(key_version=0)
