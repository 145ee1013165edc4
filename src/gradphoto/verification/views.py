"""学籍信息 and the verdict: the student's side of 图像校对."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gradphoto.accounts.models import Role
from gradphoto.common import idnumber
from gradphoto.common.access import person_checked, role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest

from .models import Verdict, WrongReason
from .selectors import Case, record_card_for_student, record_cards_for_student
from .services import conclusion_submit


@role_required(Role.STUDENT)
@person_checked
def records(request: AuthedRequest) -> HttpResponse:
    from gradphoto.corrections.models import OPEN_STATES, Application
    from gradphoto.corrections.rules import applicable_forms

    cards = record_cards_for_student(request.user)
    open_apps: dict[int, list[Application]] = {}
    for app in Application.objects.filter(record__account=request.user, state__in=OPEN_STATES):
        open_apps.setdefault(app.record_id, []).append(app)
    for card in cards:
        card.applications = open_apps.get(card.record.pk, [])
        open_types = {a.form_type for a in card.applications}
        card.forms = [f for f in applicable_forms(card) if f.form_type not in open_types]
    from gradphoto.linking.claims import claims_shown, searches_left

    no_photo = [card.record for card in cards if card.case == Case.NO_PHOTO]
    context = {
        "cards": cards,
        "Case": Case,
        "masked_id": idnumber.mask(request.user.id_number),
        "claims": claims_shown(no_photo),
        "searches_left": searches_left(request.user) if no_photo else 0,
    }
    return render(request, "verification/records.html", context)


@role_required(Role.STUDENT)
@person_checked
@require_POST
def verdict(request: AuthedRequest, record_id: int) -> HttpResponse:
    """Two steps: the first POST shows the confirmation, the second (confirm=1) records it."""
    card = record_card_for_student(request.user, record_id)
    if card is None:
        raise Http404
    choice = request.POST.get("verdict", "")
    reason = request.POST.get("wrong_reason", "")
    if choice not in Verdict.values:
        return redirect("verification:records")
    real_reasons = [v for v in WrongReason.values if v]
    confirmed = request.POST.get("confirm") == "1"
    if confirmed and (choice == Verdict.CORRECT or reason in real_reasons):
        try:
            shown = request.POST.get("photo", "")
            conclusion_submit(
                student=request.user,
                record_id=record_id,
                verdict=choice,
                wrong_reason=reason,
                photo_id=int(shown) if shown.isdigit() else None,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your verdict is recorded."))
        return redirect(reverse("verification:records") + f"#record-{record_id}")
    return render(
        request,
        "verification/confirm.html",
        {
            "card": card,
            "choice": choice,
            "reason": reason,
            "Case": Case,
            "reasons": [(v, label) for v, label in WrongReason.choices if v],
            "missing_reason": confirmed and choice == Verdict.WRONG,
        },
    )


@role_required(Role.STUDENT)
@person_checked
@require_http_methods(["GET"])
def diploma(request: AuthedRequest) -> HttpResponse:
    """学历信息: the registered diplomas with their frozen photo and reports; older graduates as before."""
    from gradphoto.graduation.forms import ReportForm
    from gradphoto.graduation.selectors import diploma_cards_for_student

    diplomas = diploma_cards_for_student(request.user)
    registered = {card.diploma.record_id for card in diplomas}
    legacy = [
        c
        for c in record_cards_for_student(request.user)
        if c.record.is_graduated and c.record.pk not in registered
    ]
    return render(
        request,
        "verification/diploma.html",
        {"diplomas": diplomas, "legacy": legacy, "report_form": ReportForm()},
    )
