"""Correction applications: report, file, forward, decide; each move guarded by the transition table."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound
from gradphoto.records.models import StudentRecord
from gradphoto.verification.selectors import record_card_for_student

from .access import get_application_for_user
from .models import OPEN_STATES, TRANSITIONS, Application, ApplicationEvent, AppState
from .rules import applicable_forms


def _check(app: Application, actor: User | None, to: str) -> str:
    """The transition table for this actor (its role returned); before any detail or effect is looked at,
    so that a role with no business there is told so, not what its step would have needed."""
    role = actor.role if actor else "system"
    allowed = TRANSITIONS.get((app.state, to))
    if allowed is None or role not in allowed:
        raise NotAllowed(_("This step is not possible now."), code="bad_transition")
    if to == AppState.FORWARDED and not app.service_centre_id:
        raise NotAllowed(_("This application has no service centre."), code="bad_transition")
    if app.state == AppState.SUBMITTED and role == Role.UNIVERSITY_STAFF and app.service_centre_id:
        raise NotAllowed(_("The service centre forwards this application first."), code="not_forwarded")
    return role


def _move(app: Application, actor: User | None, to: str, note: str = "") -> None:
    """The one place an application changes state: checks the table, writes the event and the audit."""
    role = _check(app, actor, to)
    before, now = app.state, clock.now()
    app.state, app.updated_at = to, now
    app.save(update_fields=["state", "updated_at"])
    ApplicationEvent.objects.create(
        application=app, actor=actor, actor_role=role, from_state=before, to_state=to, note=note, at=now
    )
    audit_record(
        actor=actor,
        action=f"application.{to}",
        obj=app,
        before={"state": before},
        after={"state": to, "note": note},
    )


def _locked(user: User, application_id: int) -> Application:
    """The application under a row lock, or 404 for anyone who may not know it exists."""
    if get_application_for_user(user, application_id) is None:
        raise NotFound(_("No such application."))
    return Application.objects.select_for_update().select_related("record", "school").get(pk=application_id)


@transaction.atomic
def application_report(*, student: User, record_id: int, form_type: str, reason: str = "") -> Application:
    """A student reports a problem; only a form the rules offer for the record, one open at a time."""
    if not student.person_checked:  # the web view redirects first; the API ends here (decision 4)
        raise NotAllowed(_("Pass the real-person check first."), code="person_check_required")
    card = record_card_for_student(student, record_id)
    if card is None:
        raise NotFound(_("No such record."))
    choice = next((c for c in applicable_forms(card) if c.form_type == form_type), None)
    if choice is None:
        raise NotAllowed(_("This application does not apply to your record."), code="form_not_applicable")
    record = card.record
    # The record locked first: two reports at once (a double submit) cannot both find none open.
    StudentRecord.objects.select_for_update().filter(pk=record.pk).first()
    if Application.objects.filter(record=record, form_type=form_type, state__in=OPEN_STATES).exists():
        raise Conflict(_("This application is already open."), code="already_open")
    centre = record.learning_centre
    now = clock.now()
    app = Application.objects.create(
        form_type=form_type,
        record=record,
        school=record.school,
        centre=centre,
        service_centre=centre.parent if centre else None,
        conclusion=card.conclusion,
        reason=reason.strip(),
        fee=choice.fee,
        reported_by=student,
        created_at=now,
        updated_at=now,
    )
    ApplicationEvent.objects.create(
        application=app,
        actor=student,
        actor_role=Role.STUDENT,
        to_state=AppState.DRAFT,
        note=reason.strip(),
        at=now,
    )
    audit_record(actor=student, action="application.reported", obj=app, after={"form_type": form_type})
    return app


@transaction.atomic
def application_file(*, staff: User, application_id: int, details: dict[str, Any]) -> Application:
    """The learning centre (or the school's office) completes and files the application."""
    app = _locked(staff, application_id)
    if staff.role == Role.UNIVERSITY_STAFF and app.centre_id:
        raise NotAllowed(_("The learning centre files this application."), code="centre_files")
    from .details import apply_details

    _check(app, staff, AppState.SUBMITTED)
    apply_details(app, details, staff)
    _move(app, staff, AppState.SUBMITTED, details.get("note", ""))
    return app


@transaction.atomic
def application_forward(*, staff: User, application_id: int, note: str = "") -> Application:
    app = _locked(staff, application_id)
    _move(app, staff, AppState.FORWARDED, note)
    return app


@transaction.atomic
def application_reject(*, staff: User, application_id: int, reason: str) -> Application:
    if not reason.strip():
        raise DomainError(_("Say why the application is rejected."), code="reason_required")
    app = _locked(staff, application_id)
    app.decision_note = reason.strip()
    app.save(update_fields=["decision_note"])
    _move(app, staff, AppState.REJECTED, reason.strip())
    _tell_student(
        app,
        _("Your application was rejected"),
        _("Reason: %(reason)s. Your learning centre can correct it and file it again.")
        % {"reason": reason.strip()},
    )
    return app


@transaction.atomic
def application_approve(*, staff: User, application_id: int, note: str = "") -> Application:
    """The university approves: the effect is applied at once, or after the fee where one applies."""
    app = _locked(staff, application_id)
    if app.state == AppState.AWAITING_FEE:  # approved already (a second press, a retry): only the fee
        raise Conflict(_("This application is approved and waits for the fee."), code="already_decided")
    if app.fee > 0:
        _move(app, staff, AppState.AWAITING_FEE, note)
        _tell_student(
            app,
            _("Your application was approved: please pay the fee"),
            _("Your school charges %(fee)s yuan for changing the photo.") % {"fee": app.fee},
        )
        return app
    return _apply(app, staff, note)


@transaction.atomic
def application_fee_paid(*, staff: User, application_id: int, note: str = "") -> Application:
    app = _locked(staff, application_id)
    if app.state != AppState.AWAITING_FEE:
        raise NotAllowed(_("This step is not possible now."), code="bad_transition")
    return _apply(app, staff, note or _("Fee received"))


def _apply(app: Application, staff: User, note: str) -> Application:
    """Apply the effect and record APPLIED in one transaction: a failed effect changes nothing."""
    from .effects import apply_effect

    _check(app, staff, AppState.APPLIED)
    next_step = apply_effect(app, staff)
    _move(app, staff, AppState.APPLIED, note)
    _tell_student(app, _("Your application was approved and applied"), next_step)
    return app


@transaction.atomic
def application_withdraw(*, user: User, application_id: int) -> Application:
    app = _locked(user, application_id)
    _move(app, user, AppState.WITHDRAWN)
    return app


def _tell_student(app: Application, subject: str, body: str) -> None:
    account = app.record.account
    if account is None:
        return
    from gradphoto.notifications.services import notify

    notify(
        user=account,
        kind=f"application.{app.state}",
        subject=subject,
        body=f"{app.get_form_type_display()} #{app.pk}\n\n{body}",
        sms=subject,
    )
