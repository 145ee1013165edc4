"""From scored candidates to decisions: linked (certain), suggested (for a person), none.

The rules that keep automatic links certain (PRODUCT.md "Match result", LINKAGE.md §5.1 step 5):
each photo links to at most one record; twins, near ties and conflicts go to review, never to an
automatic link; a valid ID that points elsewhere, or a name that is not the record's, never links.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .compare import Identity, IdLevel, NameLevel, twins
from .scoring import LINK_WEIGHT, SUGGEST_WEIGHT, TIE_MARGIN, Scored, sure_score

LINKED = "linked"
SUGGESTED = "suggested"
NONE = "none"
MAX_SUGGESTIONS = 3
_NAME_OK = {
    IdLevel.EXACT: {NameLevel.EXACT, NameLevel.PINYIN, NameLevel.CONFUSABLE},
    IdLevel.ONE_EDIT: {NameLevel.EXACT, NameLevel.PINYIN},
    IdLevel.MISSING: {NameLevel.EXACT},
    IdLevel.SAME_BIRTH: {NameLevel.EXACT, NameLevel.SIMILAR},
}
# Without an ID (or with one that is not the record's), a link also needs the student number and school.
_NEEDS_STUDENT_NO = {IdLevel.MISSING, IdLevel.SAME_BIRTH}


@dataclass
class Decision:
    """What the engine says about one photo; `ranked` holds the candidates worth showing, best first."""

    photo: Identity
    decision: str
    reason: str
    ranked: list[Scored] = field(default_factory=list)

    @property
    def best(self) -> Scored | None:
        return self.ranked[0] if self.ranked else None

    @property
    def sure(self) -> bool:
        """ID and name exactly the record's: a second such photo is a double collection, not a conflict."""
        best = self.best
        return best is not None and best.levels["id"] == IdLevel.EXACT and best.levels["name"] == "exact"


def _link_allowed(best: Scored) -> str:
    """'' when the levels of the best pair allow a certain link, else why not."""
    levels = best.levels
    allowed_names = _NAME_OK.get(levels["id"])
    if allowed_names is None:
        return "id_disagrees"
    if levels["name"] not in allowed_names:
        return "name_disagrees"
    if levels["id"] in _NEEDS_STUDENT_NO and (levels["student_no"] != "same" or levels["school"] != "same"):
        return "id_missing" if levels["id"] == IdLevel.MISSING else "id_birth_only"
    if levels["id"] == IdLevel.ONE_EDIT and levels["school"] != "same":
        return "school_disagrees"
    return "" if best.weight >= LINK_WEIGHT else "weak"


def decide_photo(photo: Identity, scored: Iterable[Scored]) -> Decision:
    """Rank one photo's candidates and decide; never a link on a near tie or on twins."""
    ordered = sorted(scored, key=lambda s: (-s.weight, s.record.pk))
    ranked = [s for s in ordered if s.weight >= SUGGEST_WEIGHT][:MAX_SUGGESTIONS]
    if not ranked:
        return Decision(photo, NONE, "below_threshold" if ordered else "no_candidate")
    best = ranked[0]
    tie = len(ordered) > 1 and ordered[1].weight > best.weight - TIE_MARGIN
    blocked = "near_tie" if tie else _link_allowed(best)
    if not blocked and _id_elsewhere(photo, best, ordered):
        blocked = "id_elsewhere"
    sure = best.levels["id"] == IdLevel.EXACT and best.levels["name"] == NameLevel.EXACT
    if not blocked and not sure and any(twins(best.record, other.record) for other in ordered[1:]):
        blocked = "twins"
    if blocked:
        return Decision(photo, SUGGESTED, blocked, ranked)
    return Decision(photo, LINKED, "", ranked)


def _id_elsewhere(photo: Identity, best: Scored, ordered: list[Scored]) -> bool:
    """The photo's valid ID is exactly another record's: a best pair that agrees less on the ID (same
    birth date, or no resident ID on the record) must not link past it."""
    if not photo.id_valid or best.levels["id"] == IdLevel.EXACT:
        return False
    return any(other.levels["id"] == IdLevel.EXACT for other in ordered if other is not best)


def sure_link(photo: Identity, exact: list[Identity]) -> Decision | None:
    """Early stop (LINKAGE.md §5.1 step 3): one record with this valid ID and this very name is certain
    (the exact rule of DOMAIN BR-D8, whatever the student number says); no other candidate can tie it
    or be its twin. None when the photo needs the full comparison. Another record holding the same ID
    under another name is a register error that the name settles, as the exact rule settles it."""
    if not photo.id_valid:
        return None
    named = [record for record in exact if record.name == photo.name]
    if len(named) != 1:
        return None
    return Decision(photo, LINKED, "", [sure_score(photo, named[0])])


def resolve_conflicts(decisions: list[Decision]) -> None:
    """Two photos linking one record go to review unless every one is sure (a double collection)."""
    linked = [d for d in decisions if d.decision == LINKED and d.ranked]
    shared = {pk for pk, n in Counter(d.ranked[0].record.pk for d in linked).items() if n > 1}
    by_record: dict[int, list[Decision]] = defaultdict(list)
    for decision in linked:
        if decision.ranked[0].record.pk in shared:
            by_record[decision.ranked[0].record.pk].append(decision)
    for group in by_record.values():
        if not all(d.sure for d in group):
            for decision in group:
                decision.decision, decision.reason = SUGGESTED, "conflict"


def evidence_text(scored: Scored) -> str:
    """`id:exact name:pinyin school:same student_no:missing`: which fields agree, for people."""
    return " ".join(f"{k}:{v}" for k, v in scored.levels.items())
