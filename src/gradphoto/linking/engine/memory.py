"""The engine on rows in memory (`gradphoto match`, the benchmark): the same tiers as the database.

Each tier is a hash lookup on the same derived keys the database indexes (LINKAGE.md §5.1 step 3):
T0 exact ID, T1 repaired IDs (and the 14-digit prefix of an Excel-truncated ID), T2 pinyin + birth
date, T3 school + pinyin / school + student number, T4 school + birth date.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager

from .compare import Identity
from .decide import Decision, decide_photo, resolve_conflicts, sure_link
from .normalise import excel_truncated, id_repairs
from .scoring import score


class MemoryIndex:
    """Records indexed by every blocking key; `candidates` unions the tiers for one photo."""

    def __init__(self, records: Iterable[Identity]) -> None:
        self.by_key: dict[tuple[str, Hashable], list[Identity]] = defaultdict(list)
        for record in records:
            for key in record_keys(record):
                self.by_key[key].append(record)

    def candidates(self, photo: Identity) -> list[Identity]:
        """Every record sharing at least one blocking key with the photo, each once."""
        found: dict[int, Identity] = {}
        for key in photo_keys(photo):
            for record in self.by_key.get(key, ()):
                found.setdefault(record.pk, record)
        return list(found.values())


def record_keys(record: Identity) -> list[tuple[str, Hashable]]:
    """The blocking keys a record is found by (one per tier)."""
    keys: list[tuple[str, Hashable]] = []
    if record.id_key:
        keys += [("id", record.id_key), ("id14", record.id_key[:14])]
    if record.pinyin_key:
        keys.append(("school_py", (record.school, record.pinyin_key)))
        if record.birth_key:
            keys.append(("birth_py", (record.birth_key, record.pinyin_key)))
    if record.birth_key:
        keys.append(("school_birth", (record.school, record.birth_key)))
    if record.student_no:
        keys.append(("school_no", (record.school, record.student_no)))
    return keys


def photo_keys(photo: Identity) -> list[tuple[str, Hashable]]:
    """The keys a photo looks records up by; invalid IDs through their repairs (T1)."""
    keys: list[tuple[str, Hashable]] = []
    if photo.id_key:
        keys.append(("id", photo.id_key))
        if not photo.id_valid:
            keys += [("id", repaired) for repaired in id_repairs(photo.id_key)]
            if excel_truncated(photo.id_key):
                keys.append(("id14", photo.id_key[:14]))
    if photo.pinyin_key:
        keys.append(("school_py", (photo.school, photo.pinyin_key)))
        if photo.birth_key:
            keys.append(("birth_py", (photo.birth_key, photo.pinyin_key)))
    if photo.birth_key:
        keys.append(("school_birth", (photo.school, photo.birth_key)))
    if photo.student_no:
        keys.append(("school_no", (photo.school, photo.student_no)))
    return keys


def link_identities(photos: Iterable[Identity], records: Iterable[Identity]) -> list[Decision]:
    """Decide every photo against the register; conflicts between photos resolved last."""
    with no_gc():
        index = MemoryIndex(records)
        decisions = []
        for photo in photos:
            sure = sure_link(photo, index.by_key.get(("id", photo.id_key), [])) if photo.id_valid else None
            if sure is None:
                sure = decide_photo(photo, [score(photo, r) for r in index.candidates(photo)])
            decisions.append(sure)
        resolve_conflicts(decisions)
    return decisions


@contextmanager
def no_gc() -> Iterator[None]:
    """The engine allocates millions of small objects and frees none until it ends: the cyclic
    collector would walk them again and again (40 % of a 100 k run). Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
