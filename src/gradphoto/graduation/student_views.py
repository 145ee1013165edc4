"""The graduate's online verification reports: apply, extend, revoke, download (学历信息 shows them)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gradphoto.accounts.models import Role
from gradphoto.common.access import person_checked, role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest

from .access import reports_of_student
from .forms import ReportForm
from .reports import report_create, report_extend, report_revoke

DIPLOMA_PAGE = "verification:diploma"


def _days(request: AuthedRequest) -> int | None:
    form = ReportForm(request.POST)
    return form.cleaned_data["validity_days"] if form.is_valid() else None


@role_required(Role.STUDENT)
@person_checked
@require_POST
def create(request: AuthedRequest, diploma_id: int) -> HttpResponse:
    days = _days(request)
    try:
        if days is None:
            raise DomainError(_("Choose how long the report is valid."), code="bad_validity")
        report = report_create(student=request.user, diploma_id=diploma_id, validity_days=days)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(DIPLOMA_PAGE)
    messages.success(
        request, _("Your report is ready. Give the code or the PDF to whoever checks your diploma.")
    )
    return redirect(reverse(DIPLOMA_PAGE) + f"#report-{report.pk}")


@role_required(Role.STUDENT)
@person_checked
@require_POST
def extend(request: AuthedRequest, report_id: int) -> HttpResponse:
    days = _days(request)
    try:
        if days is None:
            raise DomainError(_("Choose how long the report is valid."), code="bad_validity")
        report_extend(student=request.user, report_id=report_id, validity_days=days)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is extended."))
    return redirect(reverse(DIPLOMA_PAGE) + f"#report-{report_id}")


@role_required(Role.STUDENT)
@person_checked
@require_POST
def revoke(request: AuthedRequest, report_id: int) -> HttpResponse:
    try:
        report_revoke(student=request.user, report_id=report_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The code no longer verifies."))
    return redirect(reverse(DIPLOMA_PAGE) + f"#report-{report_id}")


@role_required(Role.STUDENT)
@person_checked
@require_GET
def pdf(request: AuthedRequest, report_id: int) -> HttpResponse:
    report = reports_of_student(request.user).filter(pk=report_id).first()
    if report is None:
        raise Http404
    from .pdf import report_pdf

    url = request.build_absolute_uri(reverse("graduation:verify_code", args=[report.code]))
    response = HttpResponse(report_pdf(report, public_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{report.code[-4:]}.pdf"'
    return response
