"""学历电子注册 and public verification over the API: the same services and rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from gradphoto.accounts.models import Role
from gradphoto.common.errors import DomainError, NotAllowed, NotFound
from gradphoto.graduation.access import diplomas_visible_to, get_batch_for_user
from gradphoto.graduation.models import DiplomaRecord, RegistrationBatch
from gradphoto.graduation.public import (
    RateLimited,
    client_ip,
    lookup_batch,
    lookup_certificate,
    lookup_code,
    photo_token,
)
from gradphoto.graduation.registration import graduates_register, options_for
from gradphoto.graduation.uploads import records_by_student_no

from .common import ErrorOut, user_in, user_of

router = Router(tags=["graduation"])
verify_router = Router(tags=["verify"], auth=None)  # public, no token: rate-limited per address instead
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 429: ErrorOut}


MAX_PER_REQUEST = 5000  # one registration batch: a large school's graduates in a few requests


class RegisterIn(Schema):
    student_nos: list[str]
    graduated_on: dt.date | None = None  # None: each record's expected graduation date
    completion: str = "graduated"
    school_type: str = ""  # empty: the school's setting
    override_reason: str = ""


class Registered(Schema):
    student_no: str
    certificate_no: str


class Refusal(Schema):
    student_no: str
    codes: list[str]
    messages: list[str]


class BatchOut(Schema):
    id: int
    created_at: dt.datetime
    requested: int
    registered: int
    unchanged: int
    refused: int
    diplomas: list[Registered]
    refusals: list[Refusal]
    unchanged_student_nos: list[str]


class DiplomaOut(Schema):
    id: int
    student_no: str
    certificate_no: str
    name: str
    level: str
    major: str
    graduated_on: dt.date
    completion: str
    verdict_basis: str
    face_basis: str


def batch_out(batch: RegistrationBatch) -> BatchOut:
    diplomas = batch.diplomas.select_related("record").order_by("certificate_no")
    return BatchOut(
        id=batch.pk,
        created_at=batch.created_at,
        requested=batch.requested,
        registered=batch.registered,
        unchanged=batch.unchanged,
        refused=batch.refused,
        diplomas=[
            Registered(student_no=d.record.student_no, certificate_no=d.certificate_no) for d in diplomas
        ],
        refusals=[Refusal(**{k: r[k] for k in ("student_no", "codes", "messages")}) for r in batch.refusals],
        unchanged_student_nos=batch.unchanged_student_nos,
    )


@router.post("/registrations", response={201: BatchOut, **ERRORS})
def register(request: HttpRequest, body: RegisterIn) -> Status[BatchOut]:
    """Register graduates by student number; those who fail the gate come back with reasons."""
    user = user_of(request)
    if user.role != Role.UNIVERSITY_STAFF or user.organisation is None:
        raise NotAllowed(_("Only university staff register graduates."), code="not_allowed")
    school = user.organisation
    if len(body.student_nos) > MAX_PER_REQUEST:
        message = _("At most %(n)s student numbers per request: send the rest in further requests.")
        raise DomainError(message % {"n": MAX_PER_REQUEST}, code="too_many_student_nos")
    options = options_for(
        school,
        graduated_on=body.graduated_on,
        completion=body.completion,
        school_type=body.school_type,
        override_reason=body.override_reason,
    )
    ids, unknown = records_by_student_no(school, [n.strip() for n in body.student_nos if n.strip()])
    batch = graduates_register(
        staff=user, school=school, record_ids=ids, options=options, source="api", pre_refused=unknown
    )
    return Status(201, batch_out(batch))


@router.get("/registrations/{batch_id}", response={200: BatchOut, **ERRORS})
def registration(request: HttpRequest, batch_id: int) -> BatchOut:
    batch = get_batch_for_user(user_of(request), batch_id)
    if batch is None:
        raise NotFound(_("No such registration."))
    return batch_out(batch)


@router.get("/diplomas", response={200: list[DiplomaOut], **ERRORS})
def diplomas(request: HttpRequest, student_no: str = "", certificate_no: str = "") -> list[DiplomaOut]:
    query = diplomas_visible_to(user_in(request, Role.UNIVERSITY_STAFF, Role.STUDENT, Role.OPERATOR))
    if student_no:
        query = query.filter(record__student_no=student_no)
    if certificate_no:
        query = query.filter(certificate_no=certificate_no)
    return [_diploma_out(d) for d in query.order_by("certificate_no")[:500]]


def _diploma_out(d: DiplomaRecord) -> DiplomaOut:
    return DiplomaOut(
        id=d.pk,
        student_no=d.record.student_no,
        certificate_no=d.certificate_no,
        name=d.name,
        level=d.level,
        major=d.major,
        graduated_on=d.graduated_on,
        completion=d.completion,
        verdict_basis=d.verdict_basis,
        face_basis=d.face_basis,
    )


class ReportOut(Schema):
    certificate_no: str
    name: str
    sex: str
    birth_date: dt.date
    school: str
    level: str
    major: str
    education_category: str
    study_mode: str
    enrolled_on: dt.date
    graduated_on: dt.date
    completion: str
    valid_until: dt.datetime
    photo_url: str


class CertificateIn(Schema):
    certificate_no: str
    name: str


class CertificateOut(Schema):
    result: str  # "match" or "no_match"


class BatchIn(Schema):
    lines: str  # 姓名;证书编号 per line, at most 20 checked


class BatchLineOut(Schema):
    line: int
    text: str
    result: str  # 唯一匹配 / 无匹配 / 未核对
    note: str


def _limited(error: RateLimited) -> Status[ErrorOut]:
    return Status(429, ErrorOut(code=error.code, message=error.message))


@verify_router.get("/reports/{code}", response={200: ReportOut, **PUBLIC_ERRORS})
def verify_report(request: HttpRequest, code: str) -> Any:
    """The report of a valid online verification code; 404 for mistyped, expired and revoked codes."""
    try:
        report = lookup_code(ip=client_ip(request), raw_code=code[:40])
    except RateLimited as error:
        return _limited(error)
    if report is None:
        return Status(404, ErrorOut(code="invalid_code", message="No valid report has this code."))
    d, token = report.diploma, photo_token(report)
    return ReportOut(
        certificate_no=d.certificate_no,
        name=d.name,
        sex=d.sex,
        birth_date=d.birth_date,
        school=d.school_name,
        level=d.level,
        major=d.major,
        education_category=d.education_category,
        study_mode=d.study_mode,
        enrolled_on=d.enrolled_on,
        graduated_on=d.graduated_on,
        completion=d.completion_label,
        valid_until=report.valid_until,
        photo_url=request.build_absolute_uri(reverse("graduation:verify_photo", args=[token])),
    )


@verify_router.post("/certificate", response={200: CertificateOut, **PUBLIC_ERRORS})
def verify_certificate(request: HttpRequest, body: CertificateIn) -> Any:
    """Certificate number + name: "match" or "no_match", the same for an unknown number and a wrong name."""
    try:
        outcome = lookup_certificate(
            ip=client_ip(request), certificate_no=body.certificate_no, name=body.name
        )
    except RateLimited as error:
        return _limited(error)
    if outcome == "malformed":
        message = "Give the 18-digit certificate number and the full name."
        return Status(400, ErrorOut(code="malformed", message=message))
    return CertificateOut(result=outcome)


@verify_router.post("/batch", response={200: list[BatchLineOut], **PUBLIC_ERRORS})
def verify_batch(request: HttpRequest, body: BatchIn) -> Any:
    """Up to 20 lines of 姓名;证书编号 (BR-H5); further or malformed lines are 未核对."""
    try:
        lines = lookup_batch(ip=client_ip(request), text=body.lines)
    except RateLimited as error:
        return _limited(error)
    return [BatchLineOut(line=x.line, text=x.text, result=x.result, note=x.note) for x in lines]
