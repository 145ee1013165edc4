"""Operator pages: ID-photo reviews and identity corrections."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from gradphoto.common import idnumber
from gradphoto.common.access import role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest

from . import reviews as review_services
from .forms import ReviewDecisionForm
from .models import IdentityReview, ReviewState, Role


@role_required(Role.OPERATOR)
def reviews(request: AuthedRequest) -> HttpResponse:
    pending = IdentityReview.objects.filter(state=ReviewState.PENDING).select_related("user")[:200]
    decided = (
        IdentityReview.objects.exclude(state=ReviewState.PENDING)
        .select_related("user")
        .order_by("-decided_at")[:50]
    )
    return render(request, "accounts/reviews.html", {"pending": pending, "decided": decided})


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def review_detail(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = IdentityReview.objects.select_related("user").filter(pk=review_id).first()
    if review is None:
        raise Http404
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_services.review_decide(
                operator=request.user,
                review_id=review.pk,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, "✓")
            return redirect("accounts:reviews")
        except DomainError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "accounts/review_detail.html",
        {
            "review": review,
            "form": form,
            # The operator compares the card with the account: the full number is needed here.
            "id_number": review.user.id_number,
            "masked": idnumber.mask(review.user.id_number),
        },
    )


@role_required(Role.OPERATOR)
def review_photo(request: AuthedRequest, review_id: int) -> HttpResponseBase:
    review = IdentityReview.objects.filter(pk=review_id).first()
    if review is None or not default_storage.exists(review.id_photo):
        raise Http404
    content_type = "image/png" if review.id_photo.endswith(".png") else "image/jpeg"
    return FileResponse(default_storage.open(review.id_photo, "rb"), content_type=content_type)
