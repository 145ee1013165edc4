"""Agreement levels per field, the comparison vector of Fellegi–Sunter (LINKAGE.md §5.1 step 4).

Each function returns one level name; `scoring` turns levels into weights. A photo's birth date and
sex come from its typed ID, so they are levels of the ID comparison, not separate fields (they are
not independent of it, and Fellegi–Sunter adds weights as if fields were).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import JaroWinkler

from .normalise import DATA, WILDCARD, excel_truncated, readings, split_surname

LATIN_SIMILAR = 0.9


@dataclass(slots=True)
class Identity:
    """One side of a comparison: a record (register) or a photo (collection), keys precomputed.

    Never changed after it is made; not frozen, because a frozen dataclass sets each field through
    object.__setattr__ and a run makes one per row (2.5× slower to build, 0.2 s of a 100 k run).
    """

    pk: int
    school: str  # school id or code; only compared for equality
    name: str  # normalised (normalise_name)
    pinyin_key: str
    id_key: str  # normalised; '' when missing
    id_valid: bool
    birth_key: str  # YYYYMMDD ('' unknown)
    student_no: str = ""


class IdLevel:
    EXACT = "exact"  # valid and equal
    ONE_EDIT = "one_edit"  # the photo's ID is invalid and one substitution / adjacent swap repairs it
    SAME_ID14 = "same_id14"  # same area and birth date, other sequence: twins, or a double error
    SAME_BIRTH = "same_birth"  # same birth date digits only
    MISSING = "missing"
    DIFFERENT = "different"


class NameLevel:
    EXACT = "exact"
    PINYIN = "pinyin"  # same toneless pinyin (homophone typo, traditional form, surname reading)
    CONFUSABLE = "confusable"  # one character differs: homophone with another reading, similar shape, '?'
    SURNAME = "surname"  # same surname and length, one other character differs
    SIMILAR = "similar"  # names in Latin letters (pinyin, foreign): Jaro-Winkler >= 0.9
    DIFFERENT = "different"


class FieldLevel:
    SAME = "same"
    DIFFERENT = "different"
    MISSING = "missing"


def _one_edit(typed: str, true: str) -> bool:
    """One substitution or one adjacent transposition turns `typed` into `true` (both 18 long)."""
    if len(typed) != 18 or len(true) != 18:
        return False
    diffs = [i for i in range(18) if typed[i] != true[i]]
    if len(diffs) == 1:
        return True
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        i = diffs[0]
        return typed[i] == true[i + 1] and typed[i + 1] == true[i]
    return False


def id_level(photo: Identity, record: Identity) -> str:
    """The typed ID against the register's: only an invalid ID can be one edit away (MOD 11-2)."""
    if not photo.id_key or not record.id_key:
        # Without an ID a photo may still carry a birth date of its own (files from elsewhere: FEBRL).
        same = bool(photo.birth_key) and photo.birth_key == record.birth_key
        return IdLevel.SAME_BIRTH if same else IdLevel.MISSING
    if photo.id_key == record.id_key:
        return IdLevel.EXACT if photo.id_valid else IdLevel.ONE_EDIT
    if not photo.id_valid and _one_edit(photo.id_key, record.id_key) and not excel_truncated(photo.id_key):
        return IdLevel.ONE_EDIT  # an Excel-truncated ID kept 15 digits: no repair, the prefix compares
    if photo.id_key[:14] == record.id_key[:14]:
        return IdLevel.SAME_ID14
    if photo.birth_key and photo.birth_key == record.birth_key:
        return IdLevel.SAME_BIRTH
    if not photo.id_valid and len(photo.id_key) != 18:
        return IdLevel.MISSING  # not an ID at all (wrong length): no evidence either way
    return IdLevel.DIFFERENT


@cache
def _shape_groups() -> dict[str, frozenset[str]]:
    """Similar-shape characters (pycorrector same_stroke.txt, linking/data/SOURCES.md)."""
    groups: dict[str, set[str]] = {}
    for line in (DATA / "same_stroke.txt").read_text(encoding="utf-8").splitlines():
        chars = [c for c in line.split("\t") if len(c) == 1]
        for char in chars:
            groups.setdefault(char, set()).update(chars)
    return {k: frozenset(v) for k, v in groups.items()}


def chars_confusable(a: str, b: str) -> bool:
    """Homophones (any toneless reading shared), similar shapes, or a '?' for a rare character."""
    if a == b or WILDCARD in (a, b):
        return True
    if readings(a) & readings(b):
        return True
    return b in _shape_groups().get(a, frozenset())


def name_level(photo: Identity, record: Identity) -> str:
    """Exact > same pinyin > one confusable character > same surname, one other character > else."""
    a, b = photo.name, record.name
    if not a or not b or not a.strip(WILDCARD + "·"):  # a name of '?' only is no evidence
        return NameLevel.DIFFERENT
    if a == b:
        return NameLevel.EXACT
    if photo.pinyin_key and photo.pinyin_key == record.pinyin_key and WILDCARD not in a:
        return NameLevel.PINYIN
    if a.isascii() and b.isascii():
        return NameLevel.SIMILAR if JaroWinkler.similarity(a, b) >= LATIN_SIMILAR else NameLevel.DIFFERENT
    if len(a) != len(b):
        return NameLevel.DIFFERENT
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    if all(chars_confusable(a[i], b[i]) for i in diffs) and len(diffs) == 1:
        return NameLevel.CONFUSABLE
    if WILDCARD in a and all(a[i] == WILDCARD for i in diffs):
        return NameLevel.CONFUSABLE
    surname_a, _ = split_surname(a)
    if len(diffs) == 1 and b.startswith(surname_a) and diffs[0] >= len(surname_a):
        return NameLevel.SURNAME
    return NameLevel.DIFFERENT


def school_level(photo: Identity, record: Identity) -> str:
    return FieldLevel.SAME if photo.school == record.school else FieldLevel.DIFFERENT


def student_no_level(photo: Identity, record: Identity) -> str:
    if not photo.student_no or not record.student_no:
        return FieldLevel.MISSING
    return FieldLevel.SAME if photo.student_no == record.student_no else FieldLevel.DIFFERENT


def twins(a: Identity, b: Identity) -> bool:
    """Same area and birth date (the parents' registration), different names (LINKAGE.md §5.1 step 5)."""
    return (
        a.pk != b.pk
        and len(a.id_key) == 18
        and a.id_key[:14] == b.id_key[:14]
        and a.id_key != b.id_key
        and a.name != b.name
    )
