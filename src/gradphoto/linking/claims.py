"""没照片,找找看: a student finds and claims an unlinked photo (PRODUCT.md decision 7, RELIABILITY.md §6.4).

Rules guarded here: only a REGISTERED record of the student's own, with no linked photo, of a school that
is not excluded; candidates built only from that record (no free text), same school, at most 3, masked;
a daily limit; every search and claim audited; the same answer for "nothing" and "not yours"; a claim
links after CLAIM_DELAY_HOURS unless contested, which sends every claim on the photo to the university.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock, idnumber
from gradphoto.common.conf import rule
from gradphoto.common.errors import Conflict, NotAllowed, NotFound, TooMany
from gradphoto.photos.models import LinkMethod, LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord

from .attach import photo_attach
from .engine.candidates import photos_near_record
from .engine.keys import RECORD_FIELDS, keys_refresh, record_identity
from .engine.scoring import score
from .models import (
    CLAIM_TRANSITIONS,
    ClaimEvent,
    ClaimState,
    LinkSuggestion,
    PhotoClaim,
    PhotoSearch,
    SearchCandidate,
    SuggestionState,
)

MAX_CANDIDATES = 3
# Stricter than the staff queue: a student sees a face only on two agreeing parts of the identity.
CLAIM_WEIGHT = 15.0
OPEN_CLAIMS = (ClaimState.PENDING, ClaimState.CONFLICTED)
DECIDING_ROLES = ("university_staff", "operator")  # who may decide a contested claim


class SearchLimitReached(TooMany):
    code = "search_limit"


def eligible_record(student: User, record_id: int) -> StudentRecord:
    """The student's own REGISTERED record without a photo, school not excluded; else 404 (no oracle)."""
    record = (
        StudentRecord.objects.select_related("school")
        .filter(pk=record_id, account=student, status=RecordStatus.REGISTERED, school__excluded=False)
        .first()
    )
    if record is None or not student.person_checked:
        raise NotFound(_("No such record."))
    if Photo.objects.filter(record=record, link_state=LinkState.LINKED).exists():
        raise NotFound(_("No such record."))
    return record


def searches_left(student: User) -> int:
    """Searches the student may still run today (PHOTO_SEARCHES_PER_DAY per Shanghai day)."""
    used = PhotoSearch.objects.filter(student=student, created_at__gte=clock.local_day_start()).count()
    return max(rule("PHOTO_SEARCHES_PER_DAY") - used, 0)


def _candidates(record: StudentRecord) -> list[tuple[Photo, float]]:
    """Unlinked photos of the record's school close to the record, best 3.

    A photo someone else has claimed stays a candidate: its owner must be able to claim it too while
    the other claim is pending, which sends both to the university (PRODUCT.md decision 7). Left out,
    the first claimant would win by default. Nothing shows that the photo is claimed.
    """
    keys_refresh(school_ids=[record.school_id])
    values = StudentRecord.objects.filter(pk=record.pk).values_list(*RECORD_FIELDS).get()
    ident = record_identity(values)
    scored = [score(photo, ident) for photo in photos_near_record(ident, record.school_id)]
    refused = _refused_photos(record)
    good = sorted(
        (s for s in scored if s.weight >= CLAIM_WEIGHT and s.photo.pk not in refused),
        key=lambda s: (-s.weight, s.photo.pk),
    )
    best = good[:MAX_CANDIDATES]
    photos = Photo.objects.in_bulk([s.photo.pk for s in best])
    return [(photos[s.photo.pk], s.weight) for s in best]


def _refused_photos(record: StudentRecord) -> set[int]:
    """Photos the university has decided are not this record's (a claim it dismissed or gave to another,
    a suggestion it rejected in the queue): offering them again would let a claim through that overrides
    the decision without anyone contesting it."""
    dismissed = ClaimEvent.objects.filter(
        claim__record=record, to_state=ClaimState.CANCELLED, actor_role__in=DECIDING_ROLES
    ).values_list("claim__photo_id", flat=True)
    rejected = LinkSuggestion.objects.filter(record=record, state=SuggestionState.REJECTED)
    return set(dismissed) | set(rejected.values_list("photo_id", flat=True))


def photo_search(*, student: User, record_id: int) -> PhotoSearch:
    """Run one search for the student's own record; the answer never depends on other people's data.
    Every search is in the audit log: run, limited, or refused (another's record, or one that may not
    search), the last with the record id asked for, so that probing shows."""
    try:
        record = eligible_record(student, record_id)
    except NotFound:
        audit_record(actor=student, action="photo_search.refused", obj=student, after={"record": record_id})
        raise
    with transaction.atomic():
        # Counted inside the transaction, under a lock of the student's row (SQLite: the write lock taken
        # at BEGIN), so parallel requests cannot each see one search left.
        if connection.features.has_select_for_update:
            User.objects.select_for_update().filter(pk=student.pk).first()
        if searches_left(student) > 0:
            return _search(student, record)
    audit_record(actor=student, action="photo_search.limited", obj=record)  # kept: outside the rollback
    raise SearchLimitReached(_("You have used today's searches. Try again tomorrow."))


def _search(student: User, record: StudentRecord) -> PhotoSearch:
    search = PhotoSearch.objects.create(student=student, record=record, created_at=clock.now())
    found = _candidates(record)
    SearchCandidate.objects.bulk_create(
        SearchCandidate(
            search=search,
            rank=rank,
            photo=photo,
            score=weight,
            name_masked=idnumber.mask_name(photo.name_collected),
            id_masked=idnumber.mask(photo.id_number_collected),
        )
        for rank, (photo, weight) in enumerate(found, start=1)
    )
    search.result_count = len(found)
    search.save(update_fields=["result_count"])
    # REQ-FP-07: who, when, the result class; no attributes of anyone.
    audit_record(actor=student, action="photo_search.run", obj=search, after={"results": len(found)})
    return search


def _fresh_since() -> dt.datetime:
    """Searches made since then still show their thumbnails and take claims (PHOTO_SEARCH_TTL_MINUTES)."""
    return clock.now() - dt.timedelta(minutes=rule("PHOTO_SEARCH_TTL_MINUTES"))


def search_fresh(search: PhotoSearch) -> bool:
    return search.created_at >= _fresh_since()


def search_candidate(student: User, token: str, rank: int) -> SearchCandidate:
    """A candidate of the student's own fresh search, else 404 (thumbnails, claims)."""
    since = _fresh_since()
    candidate = (
        SearchCandidate.objects.select_related("search", "photo")
        .filter(search__token=token, search__student=student, search__created_at__gte=since, rank=rank)
        .first()
    )
    if candidate is None:
        raise NotFound(_("No such photo."))
    return candidate


def _enqueue_apply(when: dt.datetime) -> None:
    """Wake the worker when the claim is due, where the task backend can defer (else the next run)."""
    from django_tasks import default_task_backend

    from .tasks import claims_apply

    if default_task_backend.supports_defer:
        claims_apply.using(run_after=when).enqueue()


def claim_move(claim: PhotoClaim, actor: Any, to: str, note: str = "") -> None:
    """The one place a claim changes state: checks the table, writes the event and the audit row."""
    role = getattr(actor, "role", "") or "system"
    allowed = CLAIM_TRANSITIONS.get((claim.state, to))
    if allowed is None or role not in allowed:
        raise NotAllowed(_("This step is not possible now."), code="bad_transition")
    before, now = claim.state, clock.now()
    claim.state, claim.decided_at = to, now if to != ClaimState.PENDING else None
    claim.save(update_fields=["state", "decided_at"])
    user = actor if getattr(actor, "is_authenticated", False) else None
    ClaimEvent.objects.create(
        claim=claim, actor=user, actor_role=role, from_state=before, to_state=to, note=note[:200], at=now
    )
    audit_record(
        actor=actor, action=f"photo_claim.{to}", obj=claim, before={"state": before}, after={"state": to}
    )


def _contest(photo_id: int, actor: Any, note: str) -> int:
    """Every pending claim on the photo goes to the university (both sides of a contest)."""
    moved = 0
    for other in PhotoClaim.objects.select_for_update().filter(photo_id=photo_id, state=ClaimState.PENDING):
        claim_move(other, actor, ClaimState.CONFLICTED, note)
        moved += 1
    return moved


@transaction.atomic
def photo_claim(*, student: User, token: str, rank: int) -> PhotoClaim:
    """这是我的照片: pending for CLAIM_DELAY_HOURS; a second claimant sends both to the university."""
    candidate = search_candidate(student, token, rank)
    try:
        record = eligible_record(student, candidate.search.record_id)
    except NotFound:  # the student's own search: saying why is no leak (a photo was linked meanwhile)
        raise Conflict(
            _("This record has a photo now, or may no longer search: there is nothing to claim."),
            code="not_eligible",
        ) from None
    # The record first (then the photo), as the attach and a due claim take them: two parallel claims for
    # one record cannot both find no pending claim.
    StudentRecord.objects.select_for_update().filter(pk=record.pk).first()
    if PhotoClaim.objects.filter(record=record, state=ClaimState.PENDING).exists():
        raise Conflict(_("You have already claimed a photo for this record."), code="claim_pending")
    photo = Photo.objects.select_for_update().get(pk=candidate.photo_id)
    now = clock.now()
    claim = PhotoClaim.objects.create(
        student=student,
        record=record,
        photo=photo,
        school=record.school,
        search=candidate.search,
        created_at=now,
        effective_at=now + dt.timedelta(hours=rule("CLAIM_DELAY_HOURS")),
    )
    ClaimEvent.objects.create(claim=claim, actor=student, actor_role="student", to_state=claim.state, at=now)
    audit_record(actor=student, action="photo_claim.created", obj=claim, after={"photo": photo.pk})
    transaction.on_commit(lambda: _enqueue_apply(claim.effective_at))
    others = PhotoClaim.objects.filter(photo=photo, state__in=OPEN_CLAIMS).exclude(pk=claim.pk).exists()
    if others or photo.link_state != LinkState.UNLINKED:
        _contest(photo.pk, None, "contested")
        claim.refresh_from_db()
    return claim


@transaction.atomic
def claim_cancel(*, student: User, claim_id: int) -> PhotoClaim:
    """The student withdraws a pending claim."""
    claim = PhotoClaim.objects.select_for_update().filter(pk=claim_id, student=student).first()
    if claim is None:
        raise NotFound(_("No such claim."))
    if claim.state == ClaimState.CONFLICTED:  # not decided: another claim sent it to the university
        raise Conflict(_("This claim is with your university now, which decides it."), code="claim_contested")
    if claim.state != ClaimState.PENDING:  # a second tab, or a double submit: as the queue answers it
        raise Conflict(_("This claim was already decided."), code="already_decided")
    claim_move(claim, student, ClaimState.CANCELLED)
    return claim


def _apply_one(claim_id: int) -> str:
    """One due claim: it links, or it goes to the university (another claim, the photo linked meanwhile,
    the record given a photo or changed meanwhile)."""
    with transaction.atomic():
        # The record, then the photo, then the claim: the order photos_attach (queue accept and award)
        # and photo_claim take them in, so none of them can deadlock with another.
        pair = PhotoClaim.objects.filter(pk=claim_id).values_list("record_id", "photo_id").first()
        if pair is None:
            return "skipped"
        StudentRecord.objects.select_for_update().filter(pk=pair[0]).first()
        photo = Photo.objects.select_for_update().get(pk=pair[1])
        claim = PhotoClaim.objects.select_for_update().filter(pk=claim_id, state=ClaimState.PENDING).first()
        if claim is None:
            return "skipped"
        if photo.link_state != LinkState.UNLINKED and photo.record_id == claim.record_id:
            claim_move(claim, None, ClaimState.EFFECTIVE, "already linked to this record")
            return "effective"
        rival = PhotoClaim.objects.filter(photo=photo, state__in=OPEN_CLAIMS).exclude(pk=claim.pk).exists()
        if rival or photo.link_state != LinkState.UNLINKED:
            _contest(photo.pk, None, "contested" if rival else "photo linked meanwhile")
            return "conflicted"
        if (obstacle := claim_obstacle(claim)) is not None:
            _contest(photo.pk, None, obstacle.code)
            return "conflicted"
        state = photo_attach(photo_id=photo.pk, record_id=claim.record_id, method=LinkMethod.CLAIM)
        claim_move(claim, None, ClaimState.EFFECTIVE, f"photo {state}")
        return "effective"


def claim_obstacle(claim: PhotoClaim) -> Conflict | None:
    """Why the claimed photo may not become the record's photo now, or None: the record got its own photo
    during the wait (linking would file the claimed one as its duplicate, out of the pool its real owner
    searches), or it is no longer the claimant's REGISTERED record at a school that uses the system."""
    if Photo.objects.filter(record_id=claim.record_id, link_state=LinkState.LINKED).exists():
        return Conflict(_("This student's record has a photo now."), code="record_has_photo")
    if not _still_eligible(claim):
        return Conflict(_("This student's record changed since the claim."), code="record_changed")
    return None


def _still_eligible(claim: PhotoClaim) -> bool:
    """The claim's record is still the claimant's, REGISTERED, at a school that uses the system."""
    return StudentRecord.objects.filter(
        pk=claim.record_id,
        account_id=claim.student_id,
        status=RecordStatus.REGISTERED,
        school__excluded=False,
    ).exists()


def claims_apply_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every pending claim whose delay has passed (the worker, `gradphoto link`, every engine run)."""
    moment = now or clock.now()
    due = PhotoClaim.objects.filter(state=ClaimState.PENDING, effective_at__lte=moment).order_by("pk")
    counts: dict[str, int] = {}
    for claim_id in list(due.values_list("pk", flat=True)):
        outcome = _apply_one(claim_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def claims_shown(records: list[StudentRecord]) -> dict[int, PhotoClaim]:
    """record pk → the claim 学籍信息 tells the student about: the open one ("photo claimed, visible
    after …", or with the university), else the latest one the university turned down."""
    latest: dict[int, PhotoClaim] = {}
    for claim in PhotoClaim.objects.filter(record__in=records).order_by("created_at", "pk"):
        latest[claim.record_id] = claim
    shown = {pk: c for pk, c in latest.items() if c.state in OPEN_CLAIMS}
    refused = [c.pk for c in latest.values() if c.state == ClaimState.CANCELLED]
    by_school = set(
        ClaimEvent.objects.filter(
            claim_id__in=refused, to_state=ClaimState.CANCELLED, actor_role__in=DECIDING_ROLES
        ).values_list("claim_id", flat=True)
    )
    shown.update({c.record_id: c for c in latest.values() if c.pk in by_school})
    return shown
