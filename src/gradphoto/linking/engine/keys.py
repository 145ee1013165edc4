"""Derived, indexed linkage keys on StudentRecord and Photo, refreshed in bulk (LINKAGE.md §4).

Bulk creation paths (the 学籍 and photo importers) set the keys as they insert (`record_keys_fill`,
`photo_keys_fill`); any other row is created with key_version 0, and `keys_refresh` fills every row whose
key_version is below KEY_VERSION, so no creation path needs a hook to be correct. Bump KEY_VERSION
whenever normalisation changes (a new character table, a new surname reading): the next run refreshes
every row once. Code that changes a name or an ID number in place sets key_version to 0.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import lru_cache
from itertools import chain
from multiprocessing import get_context
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet

from gradphoto.photos.models import Photo
from gradphoto.records.models import StudentRecord

from .bulk import bulk_cache
from .compare import Identity
from .memory import no_gc
from .normalise import birth_of, id_is_valid, id_key, normalise_name, pinyin_key

KEY_VERSION = 3  # 2: Latin names in capitals; 3: 尉 read wei, a full stop as the middle dot
CHUNK = 20000
RESIDENT_ID = "居民身份证"
RECORD_FIELDS = ("pk", "school_id", "name", "id_type", "id_number", "birth_date", "student_no")
PHOTO_FIELDS = ("pk", "school_id", "name_collected", "id_number_collected", "student_no_collected")
_RECORD_ATTRS = ("pk", "school_id", "name", "id_type", "id_number", "birth_date", "student_no")
_PHOTO_ATTRS = PHOTO_FIELDS


def record_identity(row: tuple[Any, ...]) -> Identity:
    """A record's identity from RECORD_FIELDS values; a non-resident document has no ID key."""
    pk, school, name, id_type, number, birth, student_no = row
    key = id_key(number) if id_type == RESIDENT_ID else ""
    valid = bool(key) and id_is_valid(key)
    norm = normalise_name(name)
    birth_key = _date_key(birth) if isinstance(birth, dt.date) else str(birth or "")
    # Positional: Identity(pk, school, name, pinyin_key, id_key, id_valid, birth_key, student_no).
    number_at_school = (student_no or "").strip()  # as the database side reads it (identity_from_keys)
    return Identity(
        pk, str(school), norm, pinyin_key(norm), key if valid else "", valid, birth_key, number_at_school
    )


@lru_cache(maxsize=1 << 16)
def _date_key(birth: dt.date) -> str:
    """YYYYMMDD of a date (cached: a cohort shares a few thousand birth dates)."""
    return birth.isoformat().replace("-", "")


def photo_identity(row: tuple[Any, ...]) -> Identity:
    """A photo's collection identity from PHOTO_FIELDS values: the ID as typed, normalised only."""
    pk, school, name, number, student_no = row
    key = id_key(number or "")
    norm = normalise_name(name)
    return Identity(
        pk,
        str(school),
        norm,
        pinyin_key(norm),
        key,
        id_is_valid(key),
        birth_of(key),
        (student_no or "").strip(),
    )


def photo_identities(rows: Iterable[tuple[Any, ...]], records: Iterable[Identity]) -> list[Identity]:
    """`photo_identity` of each row, for linking in memory against ``records``.

    A typed ID that is some record's valid key is already normal, valid and born on its digits 7–14, so
    it is not checked again: most photos carry their record's exact ID (equal to `photo_identity`, tested).
    """
    known = {r.id_key for r in records if r.id_key}
    out = []
    for row in rows:
        pk, school, name, number, student_no = row
        if number in known:
            norm = normalise_name(name)
            strip = (student_no or "").strip()
            out.append(Identity(pk, str(school), norm, pinyin_key(norm), number, True, number[6:14], strip))
        else:
            out.append(photo_identity(row))
    return out


def record_keys_fill(record: StudentRecord) -> None:
    """Set the derived keys on a record about to be inserted: importers write them with the row, so a
    run finds nothing stale (a second UPDATE of every row was most of a bulk refresh)."""
    ident = record_identity(tuple(getattr(record, f) for f in _RECORD_ATTRS))
    record.id_key, record.birth_key, record.pinyin_key = ident.id_key, ident.birth_key, ident.pinyin_key
    record.key_version = KEY_VERSION


def photo_keys_fill(photo: Photo) -> None:
    """Set the derived keys on a photo about to be inserted (see record_keys_fill)."""
    ident = photo_identity(tuple(getattr(photo, f) for f in _PHOTO_ATTRS))
    photo.id_key, photo.id_valid, photo.birth_key = ident.id_key, ident.id_valid, ident.birth_key
    photo.pinyin_key, photo.key_version = ident.pinyin_key, KEY_VERSION


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


def _record_values(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(KEY_VERSION, i.id_key, i.birth_key, i.pinyin_key, i.pk) for i in map(record_identity, rows)]


def _photo_values(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [
        (KEY_VERSION, i.id_key, i.id_valid, i.birth_key, i.pinyin_key, i.pk)
        for i in map(photo_identity, rows)
    ]


def _computed(
    chunks: Iterator[list[tuple[Any, ...]]], compute: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]
) -> Iterator[list[tuple[Any, ...]]]:
    """Each chunk's key values, in order. A full first chunk means a bulk refresh: then the keys are
    computed in forked worker processes (pure functions, no database) while this process reads and
    writes the chunks around them; a handful of stale rows are computed here."""
    first = next(chunks, None)
    if first is None:
        return
    processes = os.cpu_count() or 1
    if len(first) < CHUNK or processes == 1:
        yield compute(first)
        yield from map(compute, chunks)
        return
    window: deque[Future[list[tuple[Any, ...]]]] = deque()
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("fork")) as pool:
        for rows in chain([first], chunks):
            window.append(pool.submit(compute, rows))
            if len(window) > processes:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


_TABLES: dict[
    str, tuple[type[Model], tuple[str, ...], Callable[..., list[tuple[Any, ...]]], tuple[str, ...]]
] = {
    "records": (
        StudentRecord,
        RECORD_FIELDS,
        _record_values,
        ("key_version", "id_key", "birth_key", "pinyin_key"),
    ),
    "photos": (
        Photo,
        PHOTO_FIELDS,
        _photo_values,
        ("key_version", "id_key", "id_valid", "birth_key", "pinyin_key"),
    ),
}


def _refresh(
    counts: dict[str, int],
    school_ids: Iterable[int] | None,
    record_ids: Iterable[int] | None,
    photo_ids: Iterable[int] | None,
) -> None:
    wanted = {
        "records": (photo_ids is None or record_ids is not None, record_ids),
        "photos": (record_ids is None or photo_ids is not None, photo_ids),
    }
    for name, (model, fields, compute, columns) in _TABLES.items():
        todo, pks = wanted[name]
        # Nothing stale anywhere is the usual case (the importers write keys): one probe of the
        # key_version index answers it, before any query the planner might serve from another index.
        if not todo or not model._default_manager.filter(key_version__lt=KEY_VERSION).exists():
            continue
        for values in _computed(_chunks(_stale(model, school_ids, pks), fields), compute):
            with transaction.atomic():
                _write(model._meta.db_table, columns, values)
            counts[name] += len(values)
