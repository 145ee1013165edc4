"""Pages of linking: 没照片,找找看 for students, the review queue for university staff and operators."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from PIL import Image

from gradphoto.accounts.models import Role
from gradphoto.accounts.tokens import bearer_allowed
from gradphoto.common.access import person_checked, role_required
from gradphoto.common.conf import rule
from gradphoto.common.errors import DomainError, NotFound
from gradphoto.common.typing import AuthedRequest
from gradphoto.photos.models import LinkState

from . import claims, queue
from .forms import ClaimDecisionForm, SuggestionDecisionForm
from .models import ClaimState, PhotoSearch

THUMBNAIL_SIZE = (120, 160)
RECORDS = "verification:records"


@role_required(Role.STUDENT)
@person_checked
@require_POST
def search(request: AuthedRequest, record_id: int) -> HttpResponse:
    """Run one search for the student's own record (no search parameters about anyone else)."""
    try:
        found = claims.photo_search(student=request.user, record_id=record_id)
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(RECORDS)  # no anchor: the message at the top must stay in view
    return redirect("linking:search_results", token=found.token)


@role_required(Role.STUDENT)
@person_checked
@require_GET
def search_results(request: AuthedRequest, token: str) -> HttpResponse:
    """The (at most 3, masked) candidates; 'nothing found' reads the same whatever the reason."""
    found = PhotoSearch.objects.filter(token=token, student=request.user).select_related("record").first()
    if found is None:
        raise Http404
    # Past PHOTO_SEARCH_TTL_MINUTES the thumbnails and claims are refused: the page says so, the same way
    # whatever the search found (no oracle), and offers a new search.
    expired = not claims.search_fresh(found)
    return render(
        request,
        "linking/search.html",
        {
            "search": found,
            "expired": expired,
            "candidates": [] if expired else list(found.candidates.all()),
            "searches_left": claims.searches_left(request.user),
            "claim_hours": rule("CLAIM_DELAY_HOURS"),
            "ttl_minutes": rule("PHOTO_SEARCH_TTL_MINUTES"),
        },
    )


@bearer_allowed
@role_required(Role.STUDENT)
@person_checked
@require_GET
def thumbnail(request: AuthedRequest, token: str, rank: int) -> HttpResponse:
    """A reduced preview, only for the student who searched, only while the search is fresh."""
    try:
        candidate = claims.search_candidate(request.user, token, rank)
    except NotFound as error:
        raise Http404 from error
    source = candidate.photo.thumbnail or candidate.photo.file
    if not default_storage.exists(source):
        raise Http404
    with default_storage.open(source, "rb") as handle, Image.open(handle) as image:
        small = image.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        small.save(out, "JPEG", quality=70)
    response = HttpResponse(out.getvalue(), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.STUDENT)
@person_checked
@require_POST
def claim(request: AuthedRequest, token: str, rank: int) -> HttpResponse:
    """这是我的照片: the claim waits CLAIM_DELAY_HOURS before the photo appears on 学籍信息."""
    try:
        made = claims.photo_claim(student=request.user, token=token, rank=rank)
    except NotFound as error:
        if PhotoSearch.objects.filter(token=token, student=request.user).exists():  # expired meanwhile
            return redirect("linking:search_results", token)
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(RECORDS)
    if made.state == ClaimState.CONFLICTED:
        messages.warning(
            request,
            _(
                "Your claim is recorded, but this photo is claimed by someone else too, or was linked "
                "meanwhile: your school decides, and you will be told."
            ),
        )
    else:
        messages.success(request, _("Your claim is recorded. The photo appears here after the waiting time."))
    return redirect(RECORDS)


@role_required(Role.STUDENT)
@person_checked
@require_POST
def claim_cancel(request: AuthedRequest, claim_id: int) -> HttpResponse:
    try:
        claims.claim_cancel(student=request.user, claim_id=claim_id)
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(RECORDS)
    messages.success(request, _("Your claim is withdrawn."))
    return redirect(RECORDS)


@role_required(Role.UNIVERSITY_STAFF, Role.OPERATOR)
@require_GET
def work_queue(request: AuthedRequest) -> HttpResponse:
    """Unlinked photos with ranked suggestions and the evidence, and contested claims."""
    return render(
        request,
        "linking/queue.html",
        {"items": queue.queue_items(request.user), "contested": queue.contested_photos(request.user)},
    )


def _queue_decision(
    request: AuthedRequest, decide: Callable[..., object], done: str, **target: int | str
) -> HttpResponse:
    """Run one queue decision: 404 for objects the user may not know, the message otherwise; a photo the
    decision filed as a duplicate collection (the record had a photo meanwhile) is said as such."""
    try:
        outcome = decide(staff=request.user, **target)
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if outcome == LinkState.DUPLICATE:
            messages.warning(
                request,
                _(
                    "That student's record already had a photo: this one is kept as a duplicate "
                    "collection and replaces nothing (a change of photo goes through an application)."
                ),
            )
        else:
            messages.success(request, done)
    return redirect("linking:queue")


def _who(record: object) -> dict[str, str]:
    return {"name": getattr(record, "name", ""), "no": getattr(record, "student_no", "")}


@role_required(Role.UNIVERSITY_STAFF, Role.OPERATOR)
@require_POST
def suggestion_decide(request: AuthedRequest, suggestion_id: int) -> HttpResponse:
    form = SuggestionDecisionForm(request.POST)
    if not form.is_valid():
        return redirect("linking:queue")
    record = queue.suggested_record(request.user, suggestion_id)
    if form.cleaned_data["action"] == "accept":
        done = _("The photo is linked to %(name)s (%(no)s).") % _who(record)
        return _queue_decision(request, queue.suggestion_accept, done, suggestion_id=suggestion_id)
    done = _("%(name)s (%(no)s) is not suggested for this photo again.") % _who(record)
    return _queue_decision(request, queue.suggestion_reject, done, suggestion_id=suggestion_id)


@role_required(Role.UNIVERSITY_STAFF, Role.OPERATOR)
@require_POST
def claim_decide(request: AuthedRequest, claim_id: int) -> HttpResponse:
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        return redirect("linking:queue")
    record = queue.claimed_record(request.user, claim_id)
    if form.cleaned_data["action"] == "award":
        done = _("The photo is given to %(name)s (%(no)s); the other claims on it are closed.") % _who(record)
        return _queue_decision(request, queue.claim_award, done, claim_id=claim_id)
    done = _("The claim of %(name)s (%(no)s) is dismissed; the student is told.") % _who(record)
    note = form.cleaned_data["note"]
    return _queue_decision(request, queue.claim_dismiss, done, claim_id=claim_id, note=note)
