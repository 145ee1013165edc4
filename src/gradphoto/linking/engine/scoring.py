"""Fellegi–Sunter match weights: Σ log₂(m/u) over the fields (LINKAGE.md §1.1, §5.1 step 4).

m = P(level | same person), u = P(level | different people). The table below was estimated by
`bench/linkage.py --fit` on the labelled synthetic set (LINKAGE.md §5.3 error model, 20,000 students,
seed 11): m from the true pairs, u from random pairs of the register and the collection; README.md
explains the method and how to refit. A level absent from a side (missing) weighs 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .compare import Identity, id_level, name_level, school_level, student_no_level

# (m, u) per field and level. Missing levels are (1, 1): no evidence.
M_U: dict[str, dict[str, tuple[float, float]]] = {
    "id": {
        "exact": (0.93, 2.0e-7),
        "one_edit": (0.040, 2.0e-6),
        "same_id14": (0.004, 2.0e-5),
        "same_birth": (0.006, 2.0e-4),
        "missing": (1.0, 1.0),
        "different": (0.020, 0.9998),
    },
    "name": {
        "exact": (0.92, 1.5e-4),
        "pinyin": (0.055, 3.0e-4),
        "confusable": (0.015, 5.0e-4),
        "surname": (0.006, 4.0e-3),
        "similar": (0.030, 2.0e-3),
        "different": (0.004, 0.995),
    },
    "school": {"same": (0.99, 5.0e-3), "different": (0.010, 0.995)},
    "student_no": {"same": (0.94, 1.0e-6), "different": (0.030, 0.999999), "missing": (1.0, 1.0)},
}
FIELDS = tuple(M_U)
# Weights above this are "certain" where the rules in decide.py also allow an automatic link.
LINK_WEIGHT = 20.0
# Weights above this make a candidate worth showing to a person (queue) or to the student.
SUGGEST_WEIGHT = 6.0
# A best candidate closer than this to the second is a near tie: review, never an automatic link.
TIE_MARGIN = 6.0


def _weights() -> dict[str, dict[str, float]]:
    return {
        field: {level: math.log2(m / u) for level, (m, u) in levels.items()} for field, levels in M_U.items()
    }


WEIGHTS = _weights()


@dataclass(frozen=True, slots=True)
class Scored:
    """One compared pair: the total weight and the agreement level of every field (the evidence)."""

    photo: Identity
    record: Identity
    weight: float
    levels: dict[str, str]

    @property
    def evidence(self) -> dict[str, str]:
        return dict(self.levels)


def levels_of(photo: Identity, record: Identity) -> dict[str, str]:
    """The comparison vector of one pair."""
    return {
        "id": id_level(photo, record),
        "name": name_level(photo, record),
        "school": school_level(photo, record),
        "student_no": student_no_level(photo, record),
    }


def score(photo: Identity, record: Identity) -> Scored:
    """Σ log₂(m/u) over the fields of one photo–record pair."""
    levels = levels_of(photo, record)
    weight = sum(WEIGHTS[field][level] for field, level in levels.items())
    return Scored(photo, record, round(weight, 2), levels)


def _sure_weights() -> dict[tuple[str, str], float]:
    base = WEIGHTS["id"]["exact"] + WEIGHTS["name"]["exact"]
    return {
        (school, number): round(base + WEIGHTS["school"][school] + WEIGHTS["student_no"][number], 2)
        for school in M_U["school"]
        for number in M_U["student_no"]
    }


_SURE_WEIGHTS = _sure_weights()


def sure_score(photo: Identity, record: Identity) -> Scored:
    """`score` of a pair already known to share a valid ID and the name (the early stop of most photos):
    two levels to compare instead of four, the weight looked up. Equal to `score` (tested)."""
    school, number = school_level(photo, record), student_no_level(photo, record)
    levels = {"id": "exact", "name": "exact", "school": school, "student_no": number}
    return Scored(photo, record, _SURE_WEIGHTS[school, number], levels)


def probability(weight: float, prior: float = 1e-6) -> float:
    """The match probability of a weight, given the prior share of matching pairs."""
    odds = 2.0 ** (weight + math.log2(prior / (1 - prior)))
    return odds / (1 + odds)
