"""Import endpoints: upload a file for the token's own organisation, follow the job, get the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from gradphoto.common.errors import NotFound
from gradphoto.imports.access import IMPORT_ROLES, get_job_for_user, jobs_visible_to
from gradphoto.imports.models import ImportJob, ImportKind
from gradphoto.imports.report import report_xlsx
from gradphoto.imports.services import job_create_from_upload, job_retry

from .common import ErrorOut, user_in, user_of

router = Router(tags=["imports"])


class JobOut(Schema):
    id: int
    kind: str
    filename: str
    status: str
    done: int
    total: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    summary: dict[str, Any]
    errors: list[dict[str, Any]]
    file_error: dict[str, Any] | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job: ImportJob) -> JobOut:
    counts = {k: int(job.summary.get(k, 0)) for k in ("created", "updated", "unchanged", "rejected")}
    return JobOut(
        id=job.pk,
        kind=job.kind,
        filename=job.filename,
        status=job.status,
        done=job.done,
        total=job.total,
        summary=job.summary,
        errors=job.errors,
        file_error=job.file_error or None,
        created_at=job.created_at,
        finished_at=job.finished_at,
        **counts,
    )


def _create(request: HttpRequest, kind: str, file: UploadedFile, extra: UploadedFile | None) -> JobOut:
    user = user_of(request)
    job = job_create_from_upload(kind=kind, user=user, upload=file, extra=extra)  # type: ignore[arg-type]
    job.refresh_from_db()
    return job_out(job)


@router.post("/records", response={202: JobOut, 400: ErrorOut, 403: ErrorOut})
def import_records(
    request: HttpRequest,
    file: File[UploadedFile],
    admission_photos: UploadedFile | None = File(None),  # noqa: B008 - ninja's way to mark an optional file
) -> tuple[int, JobOut]:
    """A 学籍 file (CSV or XLSX), and optionally a ZIP of admission photos (录取照片) beside it."""
    return 202, _create(request, ImportKind.RECORDS, file, admission_photos)


@router.post("/photos", response={202: JobOut, 400: ErrorOut, 403: ErrorOut})
def import_photos(request: HttpRequest, file: File[UploadedFile]) -> tuple[int, JobOut]:
    return 202, _create(request, ImportKind.PHOTOS, file, None)


@router.get("", response=list[JobOut])
def list_jobs(request: HttpRequest) -> list[JobOut]:
    return [job_out(job) for job in jobs_visible_to(user_in(request, *IMPORT_ROLES))[:100]]


@router.get("/{job_id}", response={200: JobOut, 404: ErrorOut})
def get_job(request: HttpRequest, job_id: int) -> JobOut:
    job = get_job_for_user(user_of(request), job_id)
    if job is None:
        raise NotFound(_("No such import."))
    return job_out(job)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_DOC = {
    "responses": {
        "200": {
            "description": "The job's report: summary, row errors and lists, one sheet each",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/{job_id}/report.xlsx", response={404: ErrorOut}, openapi_extra=REPORT_DOC)
def get_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(user_of(request), job_id)
    if job is None:
        raise NotFound(_("No such import."))
    response = HttpResponse(report_xlsx(job), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.xlsx"'
    return response


@router.post("/{job_id}/retry", response={202: JobOut, 404: ErrorOut, 409: ErrorOut})
def retry_job(request: HttpRequest, job_id: int) -> tuple[int, JobOut]:
    """Queue a failed import again; it continues from what the failed run stored (409 unless failed)."""
    user = user_of(request)
    job = get_job_for_user(user, job_id)
    if job is None:
        raise NotFound(_("No such import."))
    job_retry(user=user, job=job)  # type: ignore[arg-type]
    job.refresh_from_db()
    return 202, job_out(job)
