"""django-ninja wiring only: the API is a thin layer over services and selectors."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from ninja import NinjaAPI

from gradphoto.common import idnumber
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound
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

STATUS_BY_ERROR = {NotFound: 404, NotAllowed: 403, Conflict: 409, VerdictLocked: 409}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    return api.create_response(request, {"code": exc.code, "message": exc.message}, status=status)


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
        raise NotAllowed("Only students have 学籍信息.", code="students_only")
    if not user.person_checked:
        raise NotAllowed("Pass the real-person check first.", code="person_check_required")
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
        student=user_of(request), record_id=record_id, verdict=body.verdict, wrong_reason=body.wrong_reason
    )
    card = next(c for c in record_cards_for_student(user_of(request)) if c.record.pk == record_id)
    return _record_out(card)


api.add_router("/imports", imports_router)
api.add_router("/applications", corrections_router)
api.add_router("/linking", linking_router)
api.add_router("/graduation", graduation_router)
api.add_router("/verify", verify_router)

urlpatterns = [path("", api.urls)]
