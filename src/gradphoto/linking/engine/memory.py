"""The engine on rows in memory (`gradphoto match`, the benchmark): the same tiers as the database.

Each tier is a hash lookup on the same derived keys the database indexes (LINKAGE.md §5.1 step 3):
T0 exact ID, T1 repaired IDs (and the 14-digit prefix of an Excel-truncated ID), T2 pinyin + birth
date, T3 school + pinyin / school + student number, T4 school + birth date.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import cast

from .compare import Identity
from .decide import Decision, decide_photo, resolve_conflicts, sure_link
from .normalise import WILDCARD, excel_truncated, id_repairs
from .scoring import score


class MemoryIndex:
    """Records by ID (T0) at once; the other tiers only for the photos T0 does not settle.

    Most photos carry their record's exact ID, so the other tiers are built for the keys that the
    remaining photos look up (`prepare`): a list per key of every record was most of a 100 k run.
    """

    def __init__(self, records: Iterable[Identity]) -> None:
        self.records = list(records)
        self.by_id: dict[str, Identity] = {}
        self.more_by_id: dict[str, list[Identity]] = {}  # an ID held by more than one record
        for record in self.records:
            if key := record.id_key:
                first = self.by_id.setdefault(key, record)
                if first is not record:
                    self.more_by_id.setdefault(key, [first]).append(record)
        self.tiers: dict[Hashable, list[Identity]] = {}

    def exact(self, photo: Identity) -> list[Identity]:
        """Records with the photo's ID (T0)."""
        return self._with_id(photo.id_key)

    def _with_id(self, key: str) -> list[Identity]:
        if key in self.more_by_id:
            return self.more_by_id[key]
        return [self.by_id[key]] if key in self.by_id else []

    def prepare(self, photos: Iterable[Identity]) -> None:
        """Index the records for tiers T1 (Excel prefix) to T4 under the keys these photos look up."""
        wanted = {key for photo in photos for key in tier_keys(photo)}
        tiers: dict[Hashable, list[Identity]] = {key: [] for key in wanted}
        for record in self.records:
            for key in tier_keys(record, record=True):
                if key in tiers:
                    tiers[key].append(record)
        self.tiers = tiers

    def candidates(self, photo: Identity) -> list[Identity]:
        """Every record sharing at least one blocking key with the photo, each once (after `prepare`)."""
        found: dict[int, Identity] = {r.pk: r for r in self.exact(photo)}
        if photo.id_key and not photo.id_valid:
            for repaired in id_repairs(photo.id_key):
                found.update((r.pk, r) for r in self._with_id(repaired))
        for key in tier_keys(photo):
            for record in self.tiers.get(key, ()):
                found.setdefault(record.pk, record)
        return list(found.values())


def tier_keys(identity: Identity, *, record: bool = False) -> list[Hashable]:
    """The T1–T4 keys of a record, or those a photo looks up (the Excel prefix only when truncated);
    each key starts with its lookup's number: 0 Excel prefix, 1 school + pinyin, 2 birth + pinyin,
    3 school + birth (looked up only by a photo whose ID is invalid or missing), 4 school + student
    number."""
    school, py, birth = identity.school, identity.pinyin_key, identity.birth_key
    keys: list[Hashable] = []
    number = identity.id_key
    if number and (record or (not identity.id_valid and excel_truncated(number))):
        keys.append((0, number[:14]))
    if py:
        keys.append((1, school, py))
        if birth:
            keys.append((2, birth, py))
    # As the database's T4: photos without a valid ID, or with a '?' in the name (twins must compete).
    if birth and (record or not identity.id_valid or WILDCARD in identity.name):
        keys.append((3, school, birth))
    if identity.student_no:
        keys.append((4, school, identity.student_no))
    return keys


def link_identities(photos: Iterable[Identity], records: Iterable[Identity]) -> list[Decision]:
    """Decide every photo against the register; conflicts between photos resolved last."""
    with no_gc():
        index = MemoryIndex(records)
        decisions: list[Decision | None] = []
        unsure: list[tuple[int, Identity]] = []
        for photo in photos:
            sure = sure_link(photo, index.exact(photo)) if photo.id_valid else None
            if sure is None:
                unsure.append((len(decisions), photo))
            decisions.append(sure)
        index.prepare(photo for _, photo in unsure)
        for position, photo in unsure:
            decisions[position] = decide_photo(photo, [score(photo, r) for r in index.candidates(photo)])
        done = cast(list[Decision], decisions)
        resolve_conflicts(done)
    return done


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
