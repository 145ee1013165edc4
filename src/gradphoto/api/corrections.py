"""Correction applications over the API: the same services and the same access rules as the pages."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from gradphoto.accounts.models import Role
from gradphoto.common.errors import DomainError, NotFound
from gradphoto.corrections import services
from gradphoto.corrections.access import applications_visible_to, get_application_for_user
from gradphoto.corrections.attachments import attachment_add
from gradphoto.corrections.models import Application

from .common import ErrorOut, user_in, user_of

# The roles of the applications page (corrections/views.py ALL): an agency has none.
APPLICATION_ROLES = (
    Role.STUDENT,
    Role.CENTRE_STAFF,
    Role.SERVICE_STAFF,
    Role.UNIVERSITY_STAFF,
    Role.OPERATOR,
)

router = Router(tags=["applications"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ApplicationOut(Schema):
    id: int
    form_type: str
    paper_form: str
    state: str
    record_id: int
    school: str
    centre: str | None
    service_centre: str | None
    counterpart_id: int | None
    reason: str
    fee: str
    decision_note: str
    history: list[dict[str, Any]]
    updated_at: dt.datetime


class ReportIn(Schema):
    record_id: int
    form_type: str
    reason: str = ""


class FileIn(Schema):
    counterpart_student_no: str = ""
    wrong_name: str = ""
    wrong_id_number: str = ""
    collection_no: str = ""
    new_photo_base64: str = ""
    erratum: dict[str, str] = {}
    reason: str = ""
    note: str = ""


class NoteIn(Schema):
    note: str = ""


def out(app: Application) -> ApplicationOut:
    history = [
        {"from": e.from_state, "to": e.to_state, "role": e.actor_role, "note": e.note, "at": e.at.isoformat()}
        for e in app.events.all()
    ]
    return ApplicationOut(
        id=app.pk,
        form_type=app.form_type,
        paper_form=app.paper_form,
        state=app.state,
        record_id=app.record_id,
        school=app.school.code,
        centre=app.centre.code if app.centre else None,
        service_centre=app.service_centre.code if app.service_centre else None,
        counterpart_id=app.counterpart_id,
        reason=app.reason,
        fee=str(app.fee),
        decision_note=app.decision_note,
        history=history,
        updated_at=app.updated_at,
    )


def _fresh(request: HttpRequest, application_id: int) -> ApplicationOut:
    app = get_application_for_user(user_of(request), application_id)
    if app is None:
        raise NotFound(_("No such application."))
    return out(app)


@router.get("", response=list[ApplicationOut])
def list_applications(request: HttpRequest, state: str = "") -> list[ApplicationOut]:
    query = applications_visible_to(user_in(request, *APPLICATION_ROLES)).prefetch_related("events")
    if state:
        query = query.filter(state=state)
    return [out(app) for app in query[:200]]


@router.get("/{application_id}", response={200: ApplicationOut, **ERRORS})
def get_application(request: HttpRequest, application_id: int) -> ApplicationOut:
    return _fresh(request, application_id)


@router.post("", response={201: ApplicationOut, **ERRORS})
def report(request: HttpRequest, body: ReportIn) -> tuple[int, ApplicationOut]:
    app = services.application_report(
        student=user_of(request), record_id=body.record_id, form_type=body.form_type, reason=body.reason
    )
    return 201, _fresh(request, app.pk)


@router.post("/{application_id}/file", response={200: ApplicationOut, **ERRORS})
def file(request: HttpRequest, application_id: int, body: FileIn) -> ApplicationOut:
    details: dict[str, Any] = body.dict()
    encoded = details.pop("new_photo_base64")
    try:
        details["new_photo"] = base64.b64decode(encoded, validate=True) if encoded else None
    except (binascii.Error, ValueError) as error:
        raise DomainError("new_photo_base64 is not valid base64.", code="bad_base64") from error
    services.application_file(staff=user_of(request), application_id=application_id, details=details)
    return _fresh(request, application_id)


@router.post("/{application_id}/forward", response={200: ApplicationOut, **ERRORS})
def forward(request: HttpRequest, application_id: int, body: NoteIn) -> ApplicationOut:
    services.application_forward(staff=user_of(request), application_id=application_id, note=body.note)
    return _fresh(request, application_id)


@router.post("/{application_id}/approve", response={200: ApplicationOut, **ERRORS})
def approve(request: HttpRequest, application_id: int, body: NoteIn) -> ApplicationOut:
    services.application_approve(staff=user_of(request), application_id=application_id, note=body.note)
    return _fresh(request, application_id)


@router.post("/{application_id}/fee-paid", response={200: ApplicationOut, **ERRORS})
def fee_paid(request: HttpRequest, application_id: int, body: NoteIn) -> ApplicationOut:
    services.application_fee_paid(staff=user_of(request), application_id=application_id, note=body.note)
    return _fresh(request, application_id)


@router.post("/{application_id}/reject", response={200: ApplicationOut, **ERRORS})
def reject(request: HttpRequest, application_id: int, body: NoteIn) -> ApplicationOut:
    services.application_reject(staff=user_of(request), application_id=application_id, reason=body.note)
    return _fresh(request, application_id)


@router.post("/{application_id}/withdraw", response={200: ApplicationOut, **ERRORS})
def withdraw(request: HttpRequest, application_id: int) -> ApplicationOut:
    services.application_withdraw(user=user_of(request), application_id=application_id)
    return _fresh(request, application_id)


@router.get("/{application_id}/form.pdf", response={404: ErrorOut})
def form_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    app = get_application_for_user(user_of(request), application_id)
    if app is None:
        raise NotFound(_("No such application."))
    from gradphoto.corrections.pdf import application_pdf

    return HttpResponse(application_pdf(app), content_type="application/pdf")


class AttachmentOut(Schema):
    id: int
    kind: str
    filename: str
    content_type: str
    size_bytes: int


@router.post("/{application_id}/attachments", response={201: AttachmentOut, **ERRORS})
def add_attachment(
    request: HttpRequest, application_id: int, kind: Form[str], file: File[UploadedFile]
) -> tuple[int, AttachmentOut]:
    """A signed scan or other evidence (JPEG, PNG or PDF without scripts, at most 10 MB)."""
    found = attachment_add(
        user=user_of(request),
        application_id=application_id,
        kind=kind,
        filename=file.name or "upload",
        upload=file,
    )
    return 201, AttachmentOut(
        id=found.pk,
        kind=found.kind,
        filename=found.filename,
        content_type=found.content_type,
        size_bytes=found.size_bytes,
    )
