"""The engine's codes as people read them (review queue, claims): fields, agreement levels, reasons."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gradphoto.common import idnumber

FIELDS: dict[str, Promise] = {
    "id": _("ID number"),
    "name": _("Name"),
    "school": _("School"),
    "student_no": _("Student number"),
}
LEVELS: dict[str, Promise] = {
    "exact": _("same"),
    "same": _("same"),
    "one_edit": _("one digit typed wrong"),
    "same_id14": _("same area and birth date, another sequence"),
    "same_birth": _("same birth date only"),
    "pinyin": _("same pronunciation"),
    "confusable": _("one character alike in sound or shape"),
    "surname": _("same surname, one character differs"),
    "similar": _("similar spelling"),
    "missing": _("missing"),
    "different": _("different"),
}
AGREE, PARTLY, DISAGREE = "ok", "", "bad"
_TONE = {"exact": AGREE, "same": AGREE, "different": DISAGREE}
REASONS: dict[str, Promise] = {
    "near_tie": _("two records score almost the same"),
    "twins": _("a twin or sibling is in the register"),
    "conflict": _("another photo links the same record"),
    "id_disagrees": _("the ID numbers disagree"),
    "name_disagrees": _("the names disagree"),
    "id_missing": _("no usable ID number, and the school or student number differs or is missing"),
    "id_birth_only": _(
        "the ID number agrees only in the birth date, and the school or student number differs or is missing"
    ),
    "school_disagrees": _("the school differs"),
    "id_elsewhere": _("the ID number is exactly another record's"),
    "weak": _("too little agrees for an automatic link"),
}


def evidence_rows(evidence: dict[str, str]) -> list[tuple[str, str]]:
    """("field: level", tone) for each compared field, in the engine's order; unknown codes shown as is."""
    return [
        (
            _("%(field)s: %(level)s")
            % {"field": FIELDS.get(field, field), "level": LEVELS.get(level, level)},
            _TONE.get(level, PARTLY),
        )
        for field, level in evidence.items()
    ]


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


TYPO_DIGITS = 2  # one substitution (1) or one adjacent transposition (2)


def masked_against(number: str, other: str) -> str:
    """``number`` masked as usual, except the digits where it differs from ``other``, when that is one
    typo (at most TYPO_DIGITS digits): what staff need to judge it. Two unrelated IDs stay fully masked."""
    shown = idnumber.mask(number)
    number, other = idnumber.normalise(number), idnumber.normalise(other)
    if len(shown) != len(number) or len(number) != len(other):
        return shown
    if sum(a != b for a, b in zip(number, other, strict=True)) > TYPO_DIGITS:
        return shown
    return "".join(c if c == "*" and number[i] == other[i] else number[i] for i, c in enumerate(shown))
