"""Staff upload pages: a file in, a job with progress, a report page and its XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from gradphoto.accounts.models import Role
from gradphoto.common.access import role_required
from gradphoto.common.errors import DomainError
from gradphoto.common.typing import AuthedRequest

from .access import IMPORT_ROLES, get_job_for_user, jobs_visible_to
from .batch import expired_numbers, numbers_in_state
from .explain import described, explanation, shows_explanations
from .forms import PhotosUploadForm, RecordsUploadForm
from .models import ImportJob, ImportKind, JobStatus
from .report import report_xlsx
from .services import job_create_from_upload, job_retry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 500  # on the page; the XLSX report has them all
SHOWN_PROBLEMS = 100
SHOWN_UNLINKED = 200  # 采集号 of a batch's photos not linked now; the XLSX report lists every photo


@role_required(*IMPORT_ROLES)
@require_http_methods(["GET", "POST"])
def imports(request: AuthedRequest) -> HttpResponse:
    user = request.user
    kinds: dict[str, str] = {
        Role.UNIVERSITY_STAFF: ImportKind.RECORDS,
        Role.COLLECTOR_STAFF: ImportKind.PHOTOS,
    }
    kind = kinds.get(user.role)
    form_class = RecordsUploadForm if kind == ImportKind.RECORDS else PhotosUploadForm
    form = form_class(request.POST or None, request.FILES or None) if kind else None
    if form is not None and kind and request.method == "POST" and form.is_valid():
        extra = form.cleaned_data.get("admission_photos")
        try:
            upload = form.cleaned_data["file"]
            job = job_create_from_upload(kind=kind, user=user, upload=upload, extra=extra)  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect("imports:detail", job.pk)
    jobs = jobs_visible_to(user)[:50]
    # The operator sees every organisation's jobs, so the list names the organisation of each.
    context = {"form": form, "kind": kind, "jobs": jobs, "show_org": user.role == Role.OPERATOR}
    return render(request, "imports/list.html", context)


@role_required(*IMPORT_ROLES)
def detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    if job is None:
        raise Http404
    return render(request, "imports/detail.html", _detail_context(job))


def _detail_context(job: ImportJob) -> dict[str, object]:
    """Row errors with their column labels (and English sentences in the English UI), the file error's
    sentence, and the 采集号 of the batch's photos that are not linked now, are duplicate collections, or
    were deleted unlinked after the retention period."""
    file_code = (job.file_error or {}).get("code", "")
    done = job.status == JobStatus.DONE
    unlinked, unlinked_total = numbers_in_state(job, SHOWN_UNLINKED, "unlinked") if done else ([], 0)
    duplicates, duplicates_total = numbers_in_state(job, SHOWN_UNLINKED, "duplicate") if done else ([], 0)
    expired, expired_total = expired_numbers(job, SHOWN_UNLINKED) if done else ([], 0)
    return {
        "job": job,
        "errors": described(job.errors[:SHOWN_ERRORS]),
        "more_errors": len(job.errors) > SHOWN_ERRORS,
        "admission_problems": described(job.summary.get("admission_problems", [])[:SHOWN_PROBLEMS]),
        "warnings": described(job.summary.get("warnings", [])[:SHOWN_ERRORS]),
        "file_explanation": explanation(file_code) if shows_explanations() else "",
        "unlinked": unlinked,
        "unlinked_total": unlinked_total,
        "duplicates": duplicates,
        "duplicates_total": duplicates_total,
        "expired": expired,
        "expired_total": expired_total,
    }


@role_required(*IMPORT_ROLES)
@require_http_methods(["POST"])
def retry(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    if job is None:
        raise Http404
    try:
        job_retry(user=request.user, job=job)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", job.pk)


@role_required(*IMPORT_ROLES)
def report(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    if job is None:
        raise Http404
    response = HttpResponse(report_xlsx(job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.xlsx"'
    return response
