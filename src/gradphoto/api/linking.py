"""Linking over the API: the review queue and 没照片,找找看, through the same services as the pages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import ValidationError

from gradphoto.common.errors import NotAllowed
from gradphoto.linking import claims, queue
from gradphoto.linking.models import PhotoClaim

from .common import ErrorOut, user_of

router = Router(tags=["linking"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


class SuggestionOut(Schema):
    id: int
    photo_id: int
    record_id: int
    rank: int
    score: float
    reason: str
    evidence: dict[str, str]


class CandidateOut(Schema):
    rank: int
    name_masked: str
    id_masked: str
    thumbnail_url: str


class SearchOut(Schema):
    token: UUID
    candidates: list[CandidateOut]
    searches_left: int


class ClaimOut(Schema):
    id: int
    record_id: int
    state: str
    effective_at: dt.datetime


class ContestedClaimOut(Schema):
    id: int
    photo_id: int
    record_id: int
    created_at: dt.datetime
    photo_linked_meanwhile: bool


def _claim_out(made: PhotoClaim) -> ClaimOut:
    return ClaimOut(id=made.pk, record_id=made.record_id, state=made.state, effective_at=made.effective_at)


def _staff(request: HttpRequest) -> None:
    try:
        queue.ensure_queue_role(user_of(request))
    except PermissionDenied as error:
        raise NotAllowed(
            _("Only university staff and operators work the queue."), code="queue_roles"
        ) from error


def _decided(request: HttpRequest, decide: Callable[..., Any], **target: int | str) -> Any:
    """One queue decision by the requesting staff member (queue roles only), through the page's service."""
    _staff(request)
    return decide(staff=user_of(request), **target)


@router.get("/queue", response={200: list[SuggestionOut], **ERRORS})
def list_queue(request: HttpRequest) -> list[SuggestionOut]:
    _staff(request)
    return [
        SuggestionOut(
            id=s.pk,
            photo_id=s.photo_id,
            record_id=s.record_id,
            rank=s.rank,
            score=s.score,
            reason=s.reason,
            evidence=s.evidence,
        )
        for item in queue.queue_items(user_of(request))
        for s in item.suggestions
    ]


@router.post("/suggestions/{suggestion_id}/accept", response={200: dict, **ERRORS})
def accept(request: HttpRequest, suggestion_id: int) -> dict[str, str]:
    return {"link_state": _decided(request, queue.suggestion_accept, suggestion_id=suggestion_id)}


@router.post("/suggestions/{suggestion_id}/reject", response={200: dict, **ERRORS})
def reject(request: HttpRequest, suggestion_id: int) -> dict[str, str]:
    _decided(request, queue.suggestion_reject, suggestion_id=suggestion_id)
    return {"state": "rejected"}


def _student(request: HttpRequest) -> None:
    user = user_of(request)
    if user.role != "student" or not user.person_checked:
        raise NotAllowed(_("Only students who passed the real-person check search."), code="students_only")


@router.post("/records/{record_id}/search", response={201: SearchOut, **ERRORS})
def search(request: HttpRequest, record_id: int) -> Status:
    _student(request)
    found = claims.photo_search(student=user_of(request), record_id=record_id)
    candidates = [
        CandidateOut(
            rank=c.rank,
            name_masked=c.name_masked,
            id_masked=c.id_masked,
            thumbnail_url=f"/linking/searches/{found.token}/{c.rank}.jpg",
        )
        for c in found.candidates.all()
    ]
    left = claims.searches_left(user_of(request))
    return Status(201, SearchOut(token=found.token, candidates=candidates, searches_left=left))


@router.post("/searches/{token}/{rank}/claim", response={201: ClaimOut, **ERRORS})
def claim(request: HttpRequest, token: UUID, rank: int) -> Status:
    _student(request)
    made = claims.photo_claim(student=user_of(request), token=str(token), rank=rank)
    return Status(201, _claim_out(made))


@router.post("/claims/{claim_id}/cancel", response={200: ClaimOut, **ERRORS})
def claim_cancel(request: HttpRequest, claim_id: int) -> ClaimOut:
    """The student withdraws a pending claim of their own."""
    _student(request)
    return _claim_out(claims.claim_cancel(student=user_of(request), claim_id=claim_id))


@router.get("/claims/contested", response={200: list[ContestedClaimOut], **ERRORS})
def list_contested(request: HttpRequest) -> list[ContestedClaimOut]:
    """Claims the university decides (two claimants, or the photo linked meanwhile), of its students."""
    _staff(request)
    return [
        ContestedClaimOut(
            id=c.pk,
            photo_id=c.photo_id,
            record_id=c.record_id,
            created_at=c.created_at,
            photo_linked_meanwhile=c.photo.record_id is not None,
        )
        for c in queue.contested_claims(user_of(request))
    ]


@router.post("/claims/{claim_id}/award", response={200: dict, **ERRORS})
def claim_award(request: HttpRequest, claim_id: int) -> dict[str, str]:
    """Give the photo to this claimant; the other claims on it are closed, every claimant is told."""
    return {"link_state": _decided(request, queue.claim_award, claim_id=claim_id)}


NOTE_MAX = 200
DISMISS_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"note": {"type": "string", "maxLength": NOTE_MAX}},
                }
            }
        },
    }
}


def _note(request: HttpRequest) -> str:
    """An optional {"note": …} (JSON or form); a call without a body, as before the note, still works."""
    note: Any = request.POST.get("note", "")
    if request.content_type == "application/json" and request.body:
        try:
            note = json.loads(request.body).get("note", "")
        except (ValueError, AttributeError):
            note = None
    if not isinstance(note, str) or len(note) > NOTE_MAX:  # answered as ninja answers a bad body: 422
        raise ValidationError([{"loc": ("body", "note"), "msg": "text of at most 200 characters"}])
    return note


@router.post("/claims/{claim_id}/dismiss", response={200: dict, **ERRORS}, openapi_extra=DISMISS_BODY)
def claim_dismiss(request: HttpRequest, claim_id: int) -> dict[str, str]:
    """Not this claimant's photo; the student is told, with the optional note (why) quoted."""
    _staff(request)  # the role first, then what it sent (a student is told 403, not 422)
    _decided(request, queue.claim_dismiss, claim_id=claim_id, note=_note(request))
    return {"state": "cancelled"}
