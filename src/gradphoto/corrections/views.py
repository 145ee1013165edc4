"""Correction pages: the student's report, staff worklists, the application with its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gradphoto.accounts.models import Role
from gradphoto.common.access import person_checked, role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest

from . import services
from .access import applications_visible_to, get_application_for_user
from .attachments import attachment_add, attachment_for_user
from .forms import AttachmentForm, DecisionForm, FileForm, ReportForm
from .models import Application, AppState, FormType

ALL = (Role.STUDENT, Role.CENTRE_STAFF, Role.SERVICE_STAFF, Role.UNIVERSITY_STAFF, Role.OPERATOR)
ACTIONS = {
    "forward": services.application_forward,
    "approve": services.application_approve,
    "fee_paid": services.application_fee_paid,
}


@role_required(Role.STUDENT)
@person_checked
@require_POST
def report(request: AuthedRequest) -> HttpResponse:
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            app = services.application_report(
                student=request.user,
                record_id=form.cleaned_data["record"],
                form_type=form.cleaned_data["form_type"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Reported. Your learning centre or school office files it for you."))
            return redirect("corrections:detail", app.pk)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("verification:records")


@role_required(*ALL)
def worklist(request: AuthedRequest) -> HttpResponse:
    if request.user.role == Role.STUDENT and not request.user.person_checked:
        return redirect("accounts:person_check")  # as 学籍信息: nothing before the check (decision 4)
    query = applications_visible_to(request.user)
    state, form_type = request.GET.get("state", ""), request.GET.get("form", "")
    if state in AppState.values:
        query = query.filter(state=state)
    if form_type in FormType.values:
        query = query.filter(form_type=form_type)
    page = Paginator(query, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "corrections/worklist.html",
        {
            "page": page,
            "state": state,
            "form": form_type,
            "states": AppState.choices,
            "forms": FormType.choices,
        },
    )


@role_required(*ALL)
def detail(request: AuthedRequest, application_id: int) -> HttpResponse:
    app = get_application_for_user(request.user, application_id)
    if app is None:
        raise Http404
    return render(
        request,
        "corrections/detail.html",
        {
            "app": app,
            "events": app.events.select_related("actor"),
            "attachments": app.attachments.all(),
            "file_form": FileForm(),
            "decision_form": DecisionForm(),
            "attachment_form": AttachmentForm(),
            "can": _allowed_actions(request.user.role, app),
        },
    )


def _allowed_actions(role: str, app: Application) -> set[str]:
    """The buttons to show; the services enforce the same rules through the transition table."""
    state, allowed = app.state, set()
    decides = state == AppState.FORWARDED or (state == AppState.SUBMITTED and not app.service_centre_id)
    files_here = role == Role.CENTRE_STAFF or (role == Role.UNIVERSITY_STAFF and not app.centre_id)
    if state in (AppState.DRAFT, AppState.REJECTED) and files_here:
        allowed.add("file")
    if state == AppState.SUBMITTED and role == Role.SERVICE_STAFF:
        allowed |= {"forward", "reject"}
    if role == Role.UNIVERSITY_STAFF and decides:
        allowed |= {"approve", "reject"}
    if role == Role.UNIVERSITY_STAFF and state == AppState.AWAITING_FEE:
        allowed |= {"fee_paid", "reject"}
    if state == AppState.DRAFT and role in (Role.STUDENT, Role.CENTRE_STAFF, Role.UNIVERSITY_STAFF):
        allowed.add("withdraw")
    return allowed


@role_required(Role.CENTRE_STAFF, Role.UNIVERSITY_STAFF)
@require_POST
def file(request: AuthedRequest, application_id: int) -> HttpResponse:
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.application_file(
                staff=request.user, application_id=application_id, details=form.details()
            )
            messages.success(request, _("Filed."))
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("corrections:detail", application_id)


@role_required(*ALL)
@require_POST
def decide(request: AuthedRequest, application_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if form.is_valid():
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if action == "reject":
                services.application_reject(staff=request.user, application_id=application_id, reason=note)
            elif action == "withdraw":
                services.application_withdraw(user=request.user, application_id=application_id)
            else:
                ACTIONS[action](staff=request.user, application_id=application_id, note=note)
            messages.success(request, _("Done."))
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("corrections:detail", application_id)


@role_required(*ALL)
def pdf(request: AuthedRequest, application_id: int) -> HttpResponse:
    app = get_application_for_user(request.user, application_id)
    if app is None:
        raise Http404
    from .pdf import application_pdf

    response = HttpResponse(application_pdf(app), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="application-{app.pk}.pdf"'
    return response


@role_required(Role.CENTRE_STAFF, Role.SERVICE_STAFF, Role.UNIVERSITY_STAFF)
@require_POST
def attach(request: AuthedRequest, application_id: int) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment_add(
                user=request.user,
                application_id=application_id,
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                upload=upload,
            )
            messages.success(request, _("Attached."))
        except DomainError as error:
            messages.error(request, error.message)
    return redirect(reverse("corrections:detail", args=[application_id]) + "#attachments")


@role_required(*ALL)
def attachment(request: AuthedRequest, application_id: int, attachment_id: int) -> HttpResponseBase:
    found = attachment_for_user(request.user, application_id, attachment_id)
    if found is None or not default_storage.exists(found.file):
        raise Http404
    response = FileResponse(default_storage.open(found.file, "rb"), content_type=found.content_type)
    response["Content-Disposition"] = "attachment"
    return response
