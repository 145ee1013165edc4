from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gradphoto.common import idnumber
from gradphoto.common.access import role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest
from gradphoto.records.models import StudentRecord

from . import person_check as checks
from . import reviews, services
from .forms import IdentityCorrectionForm, IdPhotoForm, RegistrationForm, SchoolChoiceForm
from .models import IdentityReview, ReviewKind, ReviewState, Role, User


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_register(
                email=data["email"],
                password=data["password"],
                real_name=data["real_name"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                base_url=request.build_absolute_uri("/"),
            )
        except DomainError as error:
            field = (
                "id_number"
                if error.code.startswith("id_")
                else ("email" if error.code == "email_taken" else None)
            )
            form.add_error(field, error.message)
        else:
            request.session["registered_email"] = user.email
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/register_done.html", {"email": request.session.get("registered_email", "")}
    )


def activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is not None:
        try:
            services.account_activate(user=user, token=token)
        except DomainError:
            user = None
    return render(request, "accounts/activated.html", {"ok": user is not None})


@role_required(Role.STUDENT)
def account(request: AuthedRequest) -> HttpResponse:
    """账户: the identity the account links with, and how to have it corrected (case 四)."""
    user = request.user
    pending = IdentityReview.objects.filter(user=user, state=ReviewState.PENDING)
    last_rejected = (
        IdentityReview.objects.filter(
            user=user, kind=ReviewKind.IDENTITY_CORRECTION, state=ReviewState.REJECTED
        )
        .order_by("-decided_at")
        .first()
    )
    return render(
        request,
        "accounts/account.html",
        {
            "masked_id": idnumber.mask(user.id_number),
            "record_count": StudentRecord.objects.filter(account=user).count(),
            "pending": list(pending),
            "last_rejected": last_rejected,
        },
    )


@role_required(Role.STUDENT)
@require_http_methods(["GET", "POST"])
def person_check(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if user.person_checked:
        return redirect("verification:records")
    form = SchoolChoiceForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        try:
            if checks.person_check_choose_school(user=user, school_id=form.cleaned_data["school"]):
                messages.success(request, _("Real-person check passed."))
                return redirect("verification:records")
            failed = True
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "accounts/person_check.html",
        {
            "choices": checks.school_choices(user),
            "tries_left": checks.tries_left_today(user),
            "failed": failed,
            "upload_form": IdPhotoForm(),
        },
    )


@role_required(Role.STUDENT)
@require_http_methods(["POST"])
def person_check_id_photo(request: AuthedRequest) -> HttpResponse:
    form = IdPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            checks.person_check_submit_id_photo(user=request.user, data=form.cleaned_data["id_photo"].read())
            messages.success(request, _("Your ID photo was sent for review. We check it on working days."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Choose a photo of your ID card."))
    return redirect("accounts:person_check")


@role_required(Role.STUDENT)
@require_http_methods(["GET", "POST"])
def identity_correction(request: AuthedRequest) -> HttpResponse:
    form = IdentityCorrectionForm(
        request.POST or None, request.FILES or None, initial={"real_name": request.user.real_name}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reviews.identity_correction_request(
                user=request.user,
                real_name=data["real_name"],
                id_number=data["id_number"],
                reason=data["reason"],
                id_photo=data["id_photo"].read(),
            )
        except DomainError as error:
            form.add_error("id_number" if error.code.startswith("id_") else None, error.message)
        else:
            messages.success(request, _("Your correction request was sent for review."))
            return redirect("accounts:account")
    return render(request, "accounts/identity_correction.html", {"form": form})
