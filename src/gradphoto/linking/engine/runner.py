"""One linkage run over the unlinked photos (after every import; `gradphoto link`; the worker).

Order: due claims first (a student's decision), then fresh keys, candidates, scores and decisions;
`linked` decisions are applied through the guarded attach, `suggested` ones stored for review.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from gradphoto.common import clock
from gradphoto.notifications.services import notify_photos_ready
from gradphoto.photos.models import LinkMethod, LinkState, Photo

from ..attach import photos_attach
from ..models import LinkSuggestion, SuggestionState
from .bulk import bulk_session
from .candidates import batch_pairs, records_by_pk, repair_pairs, unlinked_photos
from .compare import Identity
from .decide import LINKED, NONE, SUGGESTED, Decision, decide_photo, resolve_conflicts, sure_link
from .keys import keys_refresh
from .memory import no_gc
from .scoring import score

APPLY_CHUNK = 5000


def decide_all(school_ids: Iterable[int] | None = None) -> list[Decision]:
    """Decisions for every unlinked photo in scope (nothing written)."""
    scope = list(school_ids) if school_ids is not None else None
    with no_gc():
        photos = unlinked_photos(scope)
        known: dict[int, Identity] = {}
        pairs = batch_pairs(scope, known)
        repair_pairs(photos, pairs)
        records = records_by_pk((pk for pks in pairs.values() for pk in pks), known)
        decisions = []
        for photo in photos:
            candidates = [records[pk] for pk in pairs.get(photo.pk, ()) if pk in records]
            exact = [r for r in candidates if r.id_key == photo.id_key]
            decision = sure_link(photo, exact) if photo.id_valid else None
            decisions.append(decision or decide_photo(photo, [score(photo, r) for r in candidates]))
        resolve_conflicts(decisions)
    return decisions


def _apply_links(decisions: list[Decision], counts: dict[str, int], *, notify_now: bool) -> None:
    """Certain links, APPLY_CHUNK per transaction, through the guarded attach (one audit row each). The
    students hear of them through a background task, or at once (`notify_now`: no worker may run)."""
    linked = [(d.photo.pk, d.best.record.pk) for d in decisions if d.decision == LINKED and d.best]
    ready = []
    for start in range(0, len(linked), APPLY_CHUNK):
        pairs = linked[start : start + APPLY_CHUNK]
        results = photos_attach(pairs=pairs, method=LinkMethod.ENGINE, note="engine", notify=not notify_now)
        for photo_id, state in results.items():
            key = state or "skipped"
            counts[key] = counts.get(key, 0) + 1
            if state == LinkState.LINKED:
                ready.append(photo_id)
    if notify_now and ready:
        notify_photos_ready(photo_ids=ready)


def _open_suggestions(photo_ids: set[int], school_ids: list[int] | None) -> list[int]:
    """Photos among ``photo_ids`` that have open suggestions (one read of the open ones in scope)."""
    query = LinkSuggestion.objects.filter(state=SuggestionState.OPEN)
    if school_ids is not None:  # the run's scope is the photos' schools
        query = query.filter(photo__school_id__in=school_ids)
    return sorted({pk for pk in query.values_list("photo_id", flat=True) if pk in photo_ids})


def _sync(photo_ids: list[int], suggested: dict[int, Decision], now: Any) -> int:
    """Bring these photos' suggestion rows in line with this run's ``suggested`` decisions: an open pair
    suggested again keeps its row and id (rank, score, reason and evidence refreshed), an open pair no
    longer suggested goes, a new pair is created, a pair a person decided stays as it is. Returns the
    open rows kept or made. Photos deleted since they were decided (`gradphoto expire-photos`) are left
    out; the others are locked against deletion until the rows are written."""
    photo_ids = _still_there(photo_ids)
    wanted = {
        (photo_id, s.record.pk): (rank, s)
        for photo_id in photo_ids
        if (decision := suggested.get(photo_id))
        for rank, s in enumerate(decision.ranked, start=1)
    }
    existing = {(r.photo_id, r.record_id): r for r in LinkSuggestion.objects.filter(photo_id__in=photo_ids)}
    gone = [r.pk for key, r in existing.items() if r.state == SuggestionState.OPEN and key not in wanted]
    LinkSuggestion.objects.filter(pk__in=gone).delete()
    kept, made = [], []
    for (photo_id, record_id), (rank, scored) in wanted.items():
        decision = suggested[photo_id]
        values = {
            "rank": rank,
            "score": scored.weight,
            "reason": decision.reason,
            "evidence": scored.evidence,
            # The queue's scope: the university of the suggested record decides whether this is its
            # student's photo (the photo's own school may be a typing error, or another university's).
            "school_id": int(scored.record.school),
        }
        row = existing.get((photo_id, record_id))
        if row is None:
            made.append(LinkSuggestion(photo_id=photo_id, record_id=record_id, created_at=now, **values))
        elif row.state == SuggestionState.OPEN:
            kept.append(row)
            for name, value in values.items():
                setattr(row, name, value)
    LinkSuggestion.objects.bulk_update(kept, list(SUGGESTION_VALUES), batch_size=500)
    LinkSuggestion.objects.bulk_create(made, batch_size=500)
    return len(kept) + len(made)


SUGGESTION_VALUES = ("rank", "score", "reason", "evidence", "school_id")


def _still_there(photo_ids: list[int]) -> list[int]:
    """These photos as they still exist; on PostgreSQL locked (FOR NO KEY UPDATE, in id order) until the
    transaction ends, so none can be deleted under new suggestion rows. SQLite's write transaction is
    already exclusive."""
    query = Photo.objects.filter(pk__in=photo_ids).order_by("pk")
    if connection.features.has_select_for_update:
        query = query.select_for_update(no_key=True)
    return list(query.values_list("pk", flat=True))


def _store_suggestions(decisions: list[Decision], school_ids: list[int] | None) -> int:
    """The open suggestions of the photos decided now, as this run suggests them (`_sync`): ids stay
    stable, so a reviewer's open queue still works after a run; a pair once decided is never re-suggested.

    Only photos with open suggestions, or suggested now, are touched: most photos of a run have neither.
    """
    suggested = {d.photo.pk: d for d in decisions if d.decision == SUGGESTED}
    photos = sorted(set(_open_suggestions({d.photo.pk for d in decisions}, school_ids)) | set(suggested))
    now, stored = clock.now(), 0
    with transaction.atomic():  # readers see the old suggestions or the new ones, never none
        for start in range(0, len(photos), APPLY_CHUNK):
            stored += _sync(photos[start : start + APPLY_CHUNK], suggested, now)
    return stored


def _drop_moot_suggestions(school_ids: list[int] | None) -> int:
    """Open suggestions of photos linked since (a claim, an import, a correction): nothing to review."""
    moot = LinkSuggestion.objects.filter(state=SuggestionState.OPEN).exclude(
        photo__link_state=LinkState.UNLINKED
    )
    if school_ids is not None:
        moot = moot.filter(photo__school_id__in=school_ids)
    return moot.delete()[0]


def run(*, school_ids: Iterable[int] | None = None, notify_now: bool = False) -> dict[str, Any]:
    """Link what is certain, suggest what is probable, for the unlinked photos (of some schools)."""
    from ..claims import claims_apply_due

    started = time.perf_counter()
    scope = [int(i) for i in school_ids] if school_ids is not None else None
    claims = claims_apply_due()
    keys = keys_refresh()
    counts: dict[str, int] = {}
    # no_gc: decisions hold millions of small objects, and the cyclic collector would walk them again
    # and again; bulk_session: SQLite settings for this connection while the run writes (bulk.py).
    with no_gc(), bulk_session():
        decisions = decide_all(scope)
        _apply_links(decisions, counts, notify_now=notify_now)
        stored = _store_suggestions(decisions, scope)
        _drop_moot_suggestions(scope)
    return {
        "photos": len(decisions),
        "linked": counts.get("linked", 0),
        "duplicate": counts.get("duplicate", 0),
        "skipped": counts.get("skipped", 0),
        "suggested": sum(1 for d in decisions if d.decision == SUGGESTED),
        "suggestions_stored": stored,
        "none": sum(1 for d in decisions if d.decision == NONE),
        "claims": claims,
        "keys_refreshed": keys,
        "seconds": round(time.perf_counter() - started, 3),
    }
