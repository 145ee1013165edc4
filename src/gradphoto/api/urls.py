"""django-ninja wiring only: the API is a thin layer over services and selectors."""

from __future__ import annotations

import logging

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import path, reverse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gradphoto.common import idnumber
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound, TooMany
from gradphoto.verification.selectors import RecordCard, record_cards_for_student
from gradphoto.verification.services import VerdictLocked, conclusion_submit

from .auth import TokenAuth
from .common import ErrorOut, user_of
from .corrections import router as corrections_router
from .graduation import router as graduation_router
from .graduation import verify_router
from .imports import router as imports_router
from .linking import router as linking_router
from .schemas import Me, RecordOut, VerdictIn

api = NinjaAPI(title="gradphoto", version="1", auth=TokenAuth(), urls_namespace="api")

STATUS_BY_ERROR = {NotFound: 404, NotAllowed: 403, Conflict: 409, VerdictLocked: 409, TooMany: 429}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    return api.create_response(request, {"code": exc.code, "message": exc.message}, status=status)


# Every error body is ErrorOut {code, message}, also where ninja or Django refuse the request itself.
@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "unauthorized", "message": _("Send a valid API token: Authorization: Bearer <token>.")}
    return api.create_response(request, body, status=401)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors)
    message = _("The request does not match the API: %(fields)s.") % {"fields": fields or "?"}
    return api.create_response(
        request, {"code": "invalid_input", "message": message, "detail": exc.errors}, status=422
    )


HTTP_CODES = {400: "unreadable_body", 403: "forbidden", 404: "not_found", 429: "too_many"}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors ninja raises itself (a body it cannot parse: 400), with our codes."""
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return api.create_response(request, {"code": code, "message": str(exc.message)}, status=exc.status_code)


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Logged where Django logs it (security log), though the answer stays JSON.
    logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc), extra={"request": request})
    return bad_request(request)


@api.exception_handler(MultiPartParserError)
def multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return bad_request(request)


def bad_request(request: HttpRequest) -> HttpResponse:
    """A body over the size limit or malformed multipart: Django refuses it; the answer stays JSON."""
    body = {"code": "bad_request", "message": _("The request is too large or malformed.")}
    return api.create_response(request, body, status=400)


@api.get("/me", response=Me)
def me(request: HttpRequest) -> Me:
    user = user_of(request)
    return Me(
        username=user.username,
        role=user.role,
        organisation=user.organisation.code if user.organisation else None,
        real_name=user.real_name,
        id_number_masked=idnumber.mask(user.id_number),
        person_checked=user.person_checked,
    )


def _record_out(card: RecordCard) -> RecordOut:
    record, conclusion = card.record, card.conclusion
    return RecordOut(
        id=record.pk,
        school_code=record.school.code,
        school_name=record.school.name,
        student_no=record.student_no,
        name=record.name,
        status=record.status,
        case=card.case,
        photo_url=reverse("photos:image", args=[card.photo.pk]) if card.photo else None,
        verdict=conclusion.verdict if conclusion else None,
        wrong_reason=(conclusion.wrong_reason or None) if conclusion else None,
        window_ends_at=conclusion.window_ends_at if conclusion else None,
    )


def _student_cards(request: HttpRequest) -> list[RecordCard]:
    user = user_of(request)
    if user.role != "student":
        raise NotAllowed(_("Only students have 学籍信息."), code="students_only")
    if not user.person_checked:
        raise NotAllowed(_("Pass the real-person check first."), code="person_check_required")
    return record_cards_for_student(user)


@api.get("/records", response={200: list[RecordOut], 403: ErrorOut})
def records(request: HttpRequest) -> list[RecordOut]:
    return [_record_out(card) for card in _student_cards(request)]


@api.post(
    "/records/{record_id}/verdict",
    response={200: RecordOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def verdict(request: HttpRequest, record_id: int, body: VerdictIn) -> RecordOut:
    _student_cards(request)
    conclusion_submit(
        student=user_of(request),
        record_id=record_id,
        verdict=body.verdict,
        wrong_reason=body.wrong_reason,
        photo_id=body.photo_id,
    )
    card = next(c for c in record_cards_for_student(user_of(request)) if c.record.pk == record_id)
    return _record_out(card)


api.add_router("/imports", imports_router)
api.add_router("/applications", corrections_router)
api.add_router("/linking", linking_router)
api.add_router("/graduation", graduation_router)
api.add_router("/verify", verify_router)

urlpatterns = [path("", api.urls)]
