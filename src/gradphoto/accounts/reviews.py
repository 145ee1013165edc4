"""Operator-reviewed identity matters: ID-photo person checks and name / ID corrections (BR-B8)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gradphoto.audit.services import audit_record
from gradphoto.common import clock, idnumber
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound
from gradphoto.linking.services import account_link_records

from .models import AccountState, IdentityReview, PersonCheck, ReviewKind, ReviewState, Role, User
from .person_check import store_id_photo
from .services import normalise_identity


@transaction.atomic
def identity_correction_request(
    *, user: User, real_name: str, id_number: str, reason: str, id_photo: bytes
) -> IdentityReview:
    """Ask an operator to correct the account's name or ID number, with an ID-card photo."""
    user = User.objects.select_for_update().get(pk=user.pk)
    real_name = real_name.strip()
    number = normalise_identity(user.id_type, id_number)
    if len(real_name) < 2:
        raise DomainError(_("The name must have at least two characters."), code="name_too_short")
    if real_name == user.real_name and number == user.id_number:
        raise DomainError(_("The new name and ID number are the same as the current ones."), code="no_change")
    if IdentityReview.objects.filter(
        user=user, kind=ReviewKind.IDENTITY_CORRECTION, state=ReviewState.PENDING
    ).exists():
        raise Conflict(_("A correction request is already waiting for review."), code="review_pending")
    review = IdentityReview.objects.create(
        user=user,
        kind=ReviewKind.IDENTITY_CORRECTION,
        id_photo=store_id_photo(id_photo),
        requested_name=real_name,
        requested_id_number=number,
        reason=reason.strip(),
        submitted_at=clock.now(),
    )
    audit_record(
        actor=user,
        action="review.submitted",
        obj=review,
        after={"kind": review.kind, "name": real_name, "id_number": idnumber.mask(number)},
    )
    return review


@transaction.atomic
def review_decide(*, operator: User, review_id: int, approve: bool, note: str = "") -> IdentityReview:
    """Approve or reject a pending review once; an approved correction re-runs linking."""
    if operator.role != Role.OPERATOR:
        raise NotFound(_("No such review."))
    review = IdentityReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("No such review."))
    if review.state != ReviewState.PENDING:
        raise NotAllowed(_("This review has already been decided."), code="already_decided")
    if not approve and not note.strip():
        raise DomainError(_("Say why the request is rejected."), code="note_required")
    user = User.objects.select_for_update().get(pk=review.user_id)
    review.state = ReviewState.APPROVED if approve else ReviewState.REJECTED
    review.decided_at, review.decided_by, review.decision_note = clock.now(), operator, note.strip()
    review.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    if review.kind == ReviewKind.PERSON_CHECK:
        _decide_person_check(operator, user, approve)
    elif approve:
        _apply_identity_correction(operator, user, review)
    audit_record(actor=operator, action=f"review.{review.state}", obj=review, after={"note": note.strip()})
    return review


def _decide_person_check(operator: User, user: User, approve: bool) -> None:
    user.person_check = PersonCheck.REVIEW_VERIFIED if approve else PersonCheck.NONE
    user.person_checked_at = clock.now() if approve else None
    user.save(update_fields=["person_check", "person_checked_at"])
    if approve:
        audit_record(actor=operator, action="account.person_checked", obj=user, after={"by": "review"})


def _apply_identity_correction(operator: User, user: User, review: IdentityReview) -> None:
    taken = (
        User.objects.filter(id_type=user.id_type, id_number=review.requested_id_number)
        .exclude(pk=user.pk)
        .exclude(account_state=AccountState.DEREGISTERED)
    )
    if taken.exists():
        raise Conflict(_("Another live account uses this ID number."), code="id_number_taken")
    before = {"real_name": user.real_name, "id_number": idnumber.mask(user.id_number)}
    user.real_name, user.id_number = review.requested_name, review.requested_id_number
    user.save(update_fields=["real_name", "id_number"])
    audit_record(
        actor=operator,
        action="account.identity_corrected",
        obj=user,
        before=before,
        after={"real_name": user.real_name, "id_number": idnumber.mask(user.id_number)},
    )
    account_link_records(user=user, actor=operator)
