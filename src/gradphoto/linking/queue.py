"""The review queue: suggestions and contested claims, decided by university staff or operators.

University staff see and decide only photos of their own school; operators see every school. Anyone
else is refused (403); another school's suggestion or claim does not exist for them (404). Accepting
links through the same guarded attach as the engine; every decision is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import Conflict, NotFound
from gradphoto.photos.models import LinkMethod, LinkState, Photo
from gradphoto.records.models import StudentRecord

from .attach import photo_attach
from .claims import claim_move
from .models import ClaimState, LinkSuggestion, PhotoClaim, SuggestionState

QUEUE_ROLES = (Role.UNIVERSITY_STAFF, Role.OPERATOR)
PAGE = 50


def ensure_queue_role(user: User) -> None:
    """Only university staff and operators work the queue (403 for every other role)."""
    if getattr(user, "role", None) not in QUEUE_ROLES:
        raise PermissionDenied


def _scoped(user: User, query: QuerySet) -> QuerySet:
    ensure_queue_role(user)
    return query.filter(school_id=user.organisation_id) if user.role == Role.UNIVERSITY_STAFF else query


@dataclass
class QueueItem:
    """One unlinked photo with its ranked suggestions."""

    photo: Photo
    suggestions: list[LinkSuggestion] = field(default_factory=list)


def queue_items(user: User) -> list[QueueItem]:
    """Unlinked photos with open suggestions, best first within a photo; one page."""
    query = _scoped(
        user,
        LinkSuggestion.objects.filter(state=SuggestionState.OPEN, photo__link_state=LinkState.UNLINKED),
    )
    photo_ids = list(query.order_by("photo_id").values_list("photo_id", flat=True).distinct()[:PAGE])
    items: dict[int, QueueItem] = {}
    rows = (
        query.filter(photo_id__in=photo_ids)
        .select_related("photo", "photo__agency", "photo__school", "record", "record__school")
        .order_by("photo_id", "rank")
    )
    for suggestion in rows:
        items.setdefault(suggestion.photo_id, QueueItem(suggestion.photo)).suggestions.append(suggestion)
    return list(items.values())


def contested_claims(user: User) -> list[PhotoClaim]:
    """Claims the university decides: two students claimed one photo, or it was linked meanwhile."""
    query = _scoped(user, PhotoClaim.objects.filter(state=ClaimState.CONFLICTED))
    related = ("photo", "photo__school", "photo__agency", "photo__record", "record", "student")
    return list(query.select_related(*related).order_by("photo_id", "created_at")[:PAGE])


@dataclass
class ContestedPhoto:
    """One photo and every claim on it the university decides, each with which fields agree."""

    photo: Photo
    claims: list[tuple[PhotoClaim, dict[str, str]]] = field(default_factory=list)


def contested_photos(user: User) -> list[ContestedPhoto]:
    """`contested_claims` grouped by photo; a claimant's evidence compares the photo's collected data
    with the claimant's record, as a suggestion's does."""
    groups: dict[int, ContestedPhoto] = {}
    for claim in contested_claims(user):
        group = groups.setdefault(claim.photo_id, ContestedPhoto(claim.photo))
        group.claims.append((claim, claim_evidence(claim.photo, claim.record)))
    return list(groups.values())


def claim_evidence(photo: Photo, record: StudentRecord) -> dict[str, str]:
    from .engine.keys import PHOTO_FIELDS, RECORD_FIELDS, photo_identity, record_identity
    from .engine.scoring import levels_of

    shot = photo_identity(tuple(getattr(photo, f) for f in PHOTO_FIELDS))
    return levels_of(shot, record_identity(tuple(getattr(record, f) for f in RECORD_FIELDS)))


def suggested_record(user: User, suggestion_id: int) -> StudentRecord | None:
    """The record of a suggestion the user may decide (for the message), else None."""
    found = _scoped(user, LinkSuggestion.objects.filter(pk=suggestion_id)).select_related("record").first()
    return found.record if found else None


def claimed_record(user: User, claim_id: int) -> StudentRecord | None:
    """The record of a claim the user may decide (for the message), else None."""
    found = _scoped(user, PhotoClaim.objects.filter(pk=claim_id)).select_related("record").first()
    return found.record if found else None


def _suggestion(user: User, suggestion_id: int) -> LinkSuggestion:
    found = _scoped(user, LinkSuggestion.objects.select_for_update().filter(pk=suggestion_id)).first()
    if found is None:
        raise NotFound(_("No such suggestion."))
    return found


def _decide(suggestion: LinkSuggestion, staff: User, state: str) -> None:
    before = suggestion.state
    suggestion.state, suggestion.decided_at, suggestion.decided_by = state, clock.now(), staff
    suggestion.save(update_fields=["state", "decided_at", "decided_by"])
    audit_record(
        actor=staff,
        action=f"link_suggestion.{state}",
        obj=suggestion,
        before={"state": before},
        after={"state": state, "photo": suggestion.photo_id, "record": suggestion.record_id},
    )


@transaction.atomic
def suggestion_accept(*, staff: User, suggestion_id: int) -> str:
    """Link the photo to the suggested record (guarded attach); the photo's other suggestions go."""
    suggestion = _suggestion(staff, suggestion_id)
    if suggestion.state != SuggestionState.OPEN:
        raise Conflict(_("This suggestion was already decided."), code="already_decided")
    claimed = PhotoClaim.objects.filter(
        photo_id=suggestion.photo_id, record_id=suggestion.record_id, state=ClaimState.CONFLICTED
    ).exists()  # then _settle_claims tells the student, with the decision on the claim: once
    state = photo_attach(
        photo_id=suggestion.photo_id,
        record_id=suggestion.record_id,
        method=LinkMethod.REVIEW,
        actor=staff,
        notify=not claimed,
    )
    if not state:
        raise Conflict(_("The photo was linked meanwhile."), code="photo_linked")
    _decide(suggestion, staff, SuggestionState.ACCEPTED)
    # The photo's other open suggestions are moot now, not refused: they may be another university's
    # pairs, which this decision does not judge (a rejection would keep that pair from its student).
    others = LinkSuggestion.objects.filter(photo_id=suggestion.photo_id, state=SuggestionState.OPEN)
    others.exclude(pk=suggestion.pk).delete()
    if state == LinkState.LINKED:
        _settle_claims(staff, suggestion.photo_id, suggestion.record_id)
    return state


def _settle_claims(staff: User, photo_id: int, record_id: int) -> None:
    """A photo given to a record decides the claims on it the university holds, as an award would: this
    record's claim takes effect, the others are not the photo's owners (each claimant is told). A claim
    still pending meets the linked photo when it falls due, and goes to the university then."""
    contested = PhotoClaim.objects.select_for_update().filter(photo_id=photo_id, state=ClaimState.CONFLICTED)
    for claim in contested.order_by("pk"):
        mine = claim.record_id == record_id
        to, note = (ClaimState.EFFECTIVE, "its suggestion accepted") if mine else (ClaimState.CANCELLED, "")
        claim_move(claim, staff, to, note or "photo given to another record")
        _tell_claimant(claim, awarded=mine)


@transaction.atomic
def suggestion_reject(*, staff: User, suggestion_id: int) -> None:
    """Not this record: the pair is never suggested again."""
    suggestion = _suggestion(staff, suggestion_id)
    if suggestion.state != SuggestionState.OPEN:
        raise Conflict(_("This suggestion was already decided."), code="already_decided")
    _decide(suggestion, staff, SuggestionState.REJECTED)


def _claim(user: User, claim_id: int) -> PhotoClaim:
    found = _scoped(user, PhotoClaim.objects.select_for_update().filter(pk=claim_id)).first()
    if found is None:
        raise NotFound(_("No such claim."))
    return found


def _claim_in_lock_order(user: User, claim_id: int) -> PhotoClaim:
    """The claim, locked after its record and its photo and with the photo's other contested claims (pk
    order): the order of photos_attach, a due claim and an accept (record, photo, claims), so an award
    cannot deadlock with any of them."""
    pair = _scoped(user, PhotoClaim.objects.filter(pk=claim_id)).values_list("record_id", "photo_id").first()
    if pair is None:
        raise NotFound(_("No such claim."))
    StudentRecord.objects.select_for_update().filter(pk=pair[0]).first()
    Photo.objects.select_for_update().filter(pk=pair[1]).first()
    contested = PhotoClaim.objects.select_for_update().filter(photo_id=pair[1], state=ClaimState.CONFLICTED)
    claim = next((c for c in contested.order_by("pk") if c.pk == claim_id), None)
    if claim is None:
        raise Conflict(_("This claim was already decided."), code="already_decided")
    return claim


@transaction.atomic
def claim_award(*, staff: User, claim_id: int) -> str:
    """The university gives the photo to this claimant; the other claims on it are cancelled."""
    claim = _claim_in_lock_order(staff, claim_id)
    from .claims import claim_obstacle

    if (obstacle := claim_obstacle(claim)) is not None:
        raise obstacle
    state = photo_attach(
        photo_id=claim.photo_id,
        record_id=claim.record_id,
        method=LinkMethod.CLAIM,
        actor=staff,
        notify=False,  # _tell_claimant says it, with the decision
    )
    if not state:
        raise Conflict(_("The photo was linked meanwhile."), code="photo_linked")
    claim_move(claim, staff, ClaimState.EFFECTIVE, "awarded by the university")
    _tell_claimant(claim, awarded=True)
    rivals = PhotoClaim.objects.select_for_update().filter(
        photo_id=claim.photo_id, state=ClaimState.CONFLICTED
    )
    for rival in rivals.exclude(pk=claim.pk):
        claim_move(rival, staff, ClaimState.CANCELLED, "photo awarded to another claim")
        _tell_claimant(rival, awarded=False)
    return state


@transaction.atomic
def claim_dismiss(*, staff: User, claim_id: int, note: str = "") -> None:
    """The university decides the photo is not this claimant's; its note, if any, is told the student."""
    claim = _claim(staff, claim_id)
    if claim.state != ClaimState.CONFLICTED:
        raise Conflict(_("This claim was already decided."), code="already_decided")
    note = note.strip()[:200]
    claim_move(claim, staff, ClaimState.CANCELLED, note or "dismissed by the university")
    _tell_claimant(claim, awarded=False, note=note)


def _tell_claimant(claim: PhotoClaim, *, awarded: bool, note: str = "") -> None:
    """The student hears the university's decision (e-mail and SMS, after commit); 学籍信息 shows it too."""
    from gradphoto.notifications.services import notify

    if awarded:
        subject = "学校已确认您认领的照片"
        text = "学校已确认您在“没照片,找找看”中认领的照片，请登录学籍信息页面完成校对"
    else:
        subject = "您认领的照片未获学校确认"
        text = "学校认定您在“没照片,找找看”中认领的照片不是您本人的；您可以登录学籍信息页面再次查找"
        if note:
            text += f"。学校说明：{note}"
    notify(
        user=claim.student,
        kind="photo_claim.decided",
        subject=subject,
        body=f"{text}。",
        sms=text,
        key=f"claim-decided:{claim.pk}",
    )
