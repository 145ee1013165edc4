"""SQLite settings for bulk linkage work on this connection (PostgreSQL needs none of them).

A run writes up to a million links and audit rows. Two connection settings matter on SQLite: the page
cache (2 MB by default; bulk key and link writes touch index pages at random) and WAL checkpoints (one
each time the log passes 1,000 pages, each copying every page written so far back into the database
file). Nothing persists in the database: both are settings of this connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

CACHE_KIB = 262_144  # 256 MB for keys_refresh; a run raises it while it lasts
RUN_CACHE_KIB = 1_048_576  # 1 GB


def bulk_cache() -> None:
    """Give this connection a 256 MB page cache (it stays: the worker's connection does bulk work)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


def _pragma(cursor: object, name: str) -> int:
    cursor.execute(f"PRAGMA {name}")  # type: ignore[attr-defined]
    return int(cursor.fetchone()[0])  # type: ignore[attr-defined]


@contextmanager
def bulk_session() -> Iterator[None]:
    """For one run: a 1 GB page cache and no automatic checkpoints, then one checkpoint that writes each
    changed page once; the connection's own settings are restored, whatever happens."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cache, checkpoint = _pragma(cursor, "cache_size"), _pragma(cursor, "wal_autocheckpoint")
        cursor.execute(f"PRAGMA cache_size = -{RUN_CACHE_KIB}")
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {checkpoint}")
            cursor.execute(f"PRAGMA cache_size = {cache}")
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
