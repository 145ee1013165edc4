"""Giving, changing and deleting a verdict (DOMAIN.md §6.4; PRODUCT.md decision 2)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord

from .models import Conclusion, ConclusionEvent, EventKind, Verdict, WrongReason


class VerdictLocked(DomainError):
    code = "verdict_locked"


class NothingToVerify(DomainError):
    code = "nothing_to_verify"


def _snapshot(conclusion: Conclusion) -> dict[str, str]:
    return {"verdict": conclusion.verdict, "wrong_reason": conclusion.wrong_reason}


def conclusion_submit(
    *, student: User, record_id: int, verdict: str, wrong_reason: str = "", photo_id: int | None = None
) -> Conclusion:
    """Give or change the verdict on a record's current photo; one live conclusion however often called.
    ``photo_id``: the photo the student was shown; a verdict on another (a stale page) is refused."""
    if verdict not in Verdict.values:
        raise DomainError(_("Choose 照片正确 or 照片错误."), code="invalid_verdict")
    if verdict == Verdict.CORRECT:
        wrong_reason = ""
    elif wrong_reason not in WrongReason.values or not wrong_reason:
        raise DomainError(_("Tell us what is wrong with the photo."), code="reason_required")
    for _attempt in range(3):
        try:
            return _submit(student, record_id, verdict, wrong_reason, photo_id)
        except IntegrityError:
            # A concurrent first verdict won the unique constraint: retry, now as a change or no-op.
            continue
    raise Conflict(_("Please try again."))


@transaction.atomic
def _submit(student: User, record_id: int, verdict: str, wrong_reason: str, shown: int | None) -> Conclusion:
    record, photo = _photo_to_verify(student, record_id, shown)
    now = clock.now()
    live = Conclusion.objects.select_for_update().filter(record=record, photo=photo, deleted_at=None).first()
    if live is None:
        conclusion = Conclusion.objects.create(
            record=record,
            photo=photo,
            verdict=verdict,
            wrong_reason=wrong_reason,
            first_at=now,
            window_ends_at=now + clock.verdict_window(),
            updated_at=now,
        )
        ConclusionEvent.objects.create(
            conclusion=conclusion,
            kind=EventKind.SUBMITTED,
            actor=student,
            to_verdict=verdict,
            to_reason=wrong_reason,
            at=now,
        )
        audit_record(
            actor=student, action="conclusion.submitted", obj=conclusion, after=_snapshot(conclusion)
        )
        return conclusion
    return _change(live, student, verdict, wrong_reason, now)


def _photo_to_verify(student: User, record_id: int, shown: int | None) -> tuple[StudentRecord, Photo]:
    """The current photo of the student's own record, the record locked: the row lock serialises every
    verdict on it (PostgreSQL; SQLite's IMMEDIATE transactions serialise all writers anyway)."""
    record = (
        StudentRecord.objects.select_for_update()
        .select_related("school")
        .filter(pk=record_id, account=student)
        .first()
    )
    if record is None or student.role != Role.STUDENT:
        raise NotFound(_("No such record."))
    if not student.person_checked:
        raise NotAllowed(_("Pass the real-person check first."), code="person_check_required")
    if record.school.excluded:
        raise NotAllowed(_("Your school runs its own photo verification."), code="school_excluded")
    if record.status == RecordStatus.GRADUATED:
        raise NotAllowed(_("The photo is registered with your diploma."), code="graduated")
    photo = Photo.objects.filter(record=record, link_state=LinkState.LINKED).first()
    if photo is None:
        raise NothingToVerify(_("There is no photo to verify yet."))
    if shown is not None and shown != photo.pk:  # the page was older than a swap or a new photo
        raise Conflict(
            _("Your photo has changed since the page was shown: look at it again."), code="photo_changed"
        )
    return record, photo


def _change(live: Conclusion, student: User, verdict: str, wrong_reason: str, now: dt.datetime) -> Conclusion:
    """A change inside the window; the same verdict again (a double click, a second tab) records nothing."""
    if now >= live.window_ends_at:
        hours = {"h": rule("VERDICT_WINDOW_HOURS")}
        raise VerdictLocked(
            _("The %(h)s-hour window has passed; the verdict can no longer be changed.") % hours
        )
    if live.verdict == verdict and live.wrong_reason == wrong_reason:
        return live
    before = _snapshot(live)
    live.verdict, live.wrong_reason, live.updated_at = verdict, wrong_reason, now
    live.save(update_fields=["verdict", "wrong_reason", "updated_at"])
    ConclusionEvent.objects.create(
        conclusion=live,
        kind=EventKind.CHANGED,
        actor=student,
        from_verdict=before["verdict"],
        from_reason=before["wrong_reason"],
        to_verdict=verdict,
        to_reason=wrong_reason,
        at=now,
    )
    audit_record(actor=student, action="conclusion.changed", obj=live, before=before, after=_snapshot(live))
    return live


@transaction.atomic
def conclusion_delete(*, staff: User, conclusion_id: int, reason: str) -> Conclusion:
    """A university deletes a locked conclusion (BR-E7); kept in history, verification reopens."""
    conclusion = (
        Conclusion.objects.select_for_update().select_related("record").filter(pk=conclusion_id).first()
    )
    if (
        conclusion is None
        or staff.role != Role.UNIVERSITY_STAFF
        or (conclusion.record.school_id != staff.organisation_id)
    ):
        raise NotFound(_("No such verdict."))
    if conclusion.deleted_at is not None:
        return conclusion
    if not reason.strip():
        raise DomainError(_("Give a reason."), code="reason_required")
    now = clock.now()
    conclusion.deleted_at, conclusion.deleted_by, conclusion.delete_reason = now, staff, reason.strip()
    conclusion.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
    ConclusionEvent.objects.create(
        conclusion=conclusion,
        kind=EventKind.DELETED,
        actor=staff,
        from_verdict=conclusion.verdict,
        from_reason=conclusion.wrong_reason,
        note=reason.strip(),
        at=now,
    )
    audit_record(
        actor=staff,
        action="conclusion.deleted",
        obj=conclusion,
        before=_snapshot(conclusion),
        after={"deleted": True, "reason": reason.strip()},
    )
    return conclusion


def conclusions_close(*, record: StudentRecord, actor: User, reason: str) -> int:
    """Soft-delete the live verdicts of a record when an approved application changes its photo."""
    now, closed = clock.now(), 0
    for conclusion in Conclusion.objects.select_for_update().filter(record=record, deleted_at=None):
        conclusion.deleted_at, conclusion.deleted_by, conclusion.delete_reason = now, actor, reason
        conclusion.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
        ConclusionEvent.objects.create(
            conclusion=conclusion,
            kind=EventKind.DELETED,
            actor=actor,
            from_verdict=conclusion.verdict,
            from_reason=conclusion.wrong_reason,
            note=reason,
            at=now,
        )
        audit_record(
            actor=actor,
            action="conclusion.deleted",
            obj=conclusion,
            before=_snapshot(conclusion),
            after={"deleted": True, "reason": reason},
        )
        closed += 1
    return closed
