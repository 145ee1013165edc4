"""Import jobs: create (store the file, enqueue after commit), claim, run, report (ISSUE 3)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import Conflict, DomainError, NotAllowed
from gradphoto.common.images import store_content_addressed, store_upload_content_addressed
from gradphoto.organisations.models import Organisation, OrgKind

from .models import TRANSITIONS, ImportJob, ImportKind, JobStatus

log = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 2 * 1024**3
MAX_RECORDS_BYTES = 100 * 1024**2  # a 200,000-row 学籍 XLSX with wide cells fits; the row limit binds first
# A job whose worker stopped sending heartbeats this long ago is taken over by the next worker.
STALE_AFTER = dt.timedelta(minutes=5)

KIND_ROLE: dict[str, str] = {
    ImportKind.RECORDS: Role.UNIVERSITY_STAFF,
    ImportKind.PHOTOS: Role.COLLECTOR_STAFF,
}
KIND_ORG: dict[str, str] = {ImportKind.RECORDS: OrgKind.SCHOOL, ImportKind.PHOTOS: OrgKind.AGENCY}


def ensure_can_import(user: User | None, kind: str, organisation: Organisation) -> None:
    """Staff import only for their own organisation; the command line (user None) for any."""
    if organisation.kind != KIND_ORG[kind]:
        raise NotAllowed(_("This organisation cannot import this kind of file."), code="wrong_organisation")
    if user is None:
        return
    if user.role != KIND_ROLE[kind] or user.organisation_id != organisation.pk:
        raise NotAllowed(_("You can import only for your own organisation."), code="not_your_organisation")


def size_limit(kind: str) -> int:
    """The largest upload of a kind: a 学籍 file is read whole into rows (about 8× its size in memory),
    so it gets a limit of its own, far above one school's register; a photo ZIP is read member by member."""
    return MAX_RECORDS_BYTES if kind == ImportKind.RECORDS else MAX_UPLOAD_BYTES


def ensure_size(kind: str, size: int | None) -> None:
    """Refuse an upload over its kind's limit, before it is read (`size` as the upload declares it)."""
    limit = size_limit(kind)
    if size is not None and size > limit:
        message = _("The file is too large: at most %(mb)s MB.") % {"mb": limit // 1024**2}
        raise DomainError(message, code="too_large")


def job_create(
    *,
    kind: str,
    organisation: Organisation | None,
    user: User | None,
    filename: str,
    data: bytes,
    extra: bytes | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Store the upload content-addressed and queue the job once the row is committed."""
    if organisation is None:
        raise NotAllowed(_("You can import only for your own organisation."), code="not_your_organisation")
    ensure_can_import(user, kind, organisation)
    if not data:
        raise DomainError(_("The file is empty."), code="empty")
    ensure_size(kind, len(data))
    if extra is not None:
        ensure_size(ImportKind.PHOTOS, len(extra))  # an admission-photo ZIP: a ZIP's limit
    name, digest = store_content_addressed(data, folder=f"imports/{kind}", extension="bin")
    extra_name = store_content_addressed(extra, folder=f"imports/{kind}", extension="bin")[0] if extra else ""
    return _job_insert(kind, organisation, user, filename, (name, digest, extra_name), enqueue=enqueue)


def job_create_from_upload(*, kind: str, user: User, upload: Any, extra: Any | None = None) -> ImportJob:
    """`job_create` for files uploaded through the web or the API: who may import and the declared sizes
    are checked before anything is read, and the files are streamed into storage, never held in memory
    (a photo batch may be 2 GB)."""
    if user.organisation is None:
        raise NotAllowed(_("You can import only for your own organisation."), code="not_your_organisation")
    ensure_can_import(user, kind, user.organisation)
    if not upload.size:
        raise DomainError(_("The file is empty."), code="empty")
    ensure_size(kind, upload.size)
    if extra is not None:
        ensure_size(ImportKind.PHOTOS, extra.size)
    folder = f"imports/{kind}"
    name, digest, _size = store_upload_content_addressed(upload, folder=folder, extension="bin")
    has_extra = extra is not None and extra.size
    extra_name = store_upload_content_addressed(extra, folder=folder, extension="bin")[0] if has_extra else ""
    stored = (name, digest, extra_name)
    return _job_insert(kind, user.organisation, user, upload.name or "upload", stored, enqueue=True)


def _job_insert(
    kind: str,
    organisation: Organisation,
    user: User | None,
    filename: str,
    stored: tuple[str, str, str],
    *,
    enqueue: bool,
) -> ImportJob:
    """The job row for stored files (name, sha256, extra file name), audited, queued after commit."""
    name, digest, extra_name = stored
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            organisation=organisation,
            created_by=user,
            filename=filename[:255],
            file=name,
            sha256=digest,
            extra_file=extra_name,
            created_at=clock.now(),
        )
        audit_record(
            actor=user,
            action="import.created",
            obj=job,
            after={"kind": kind, "filename": filename, "sha256": digest},
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def job_retry(*, user: User, job: ImportJob) -> ImportJob:
    """Queue a failed job again (staff of its organisation, operators; the caller has found the job for
    the user). What the failed run committed stays; the new run continues from there, as a re-run does."""
    # A conditional move: of two clicks (two tabs) only one queues the job again.
    if job.status != JobStatus.FAILED or not _move(job, JobStatus.QUEUED):
        raise Conflict(_("Only a failed import can be run again."), code="not_failed")
    audit_record(actor=user, action="import.retried", obj=job)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def jobs_resume_abandoned() -> list[int]:
    """Queue again every job a stopped worker left running (no heartbeat for STALE_AFTER). `gradphoto
    worker` calls this as it starts, so the next worker completes what a killed one was doing."""
    stale = ImportJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=clock.now() - STALE_AFTER)
    found = list(stale.values_list("pk", flat=True))
    for job_id in found:
        _enqueue(job_id)
    return found


def _enqueue(job_id: int) -> None:
    from .tasks import run_import

    run_import.enqueue(job_id)


def _move(job: ImportJob, to: str, **fields: Any) -> bool:
    """Claim a transition with a conditional update: two workers never run one job."""
    allowed = [s for s, targets in TRANSITIONS.items() if to in targets]
    query = ImportJob.objects.filter(pk=job.pk, status=job.status, status__in=allowed)
    if job.status == JobStatus.RUNNING and to == JobStatus.RUNNING:
        query = query.filter(heartbeat_at__lt=clock.now() - STALE_AFTER)
    claimed = query.update(status=to, **fields) == 1
    if claimed:
        job.status = to
        for key, value in fields.items():
            setattr(job, key, value)
    return claimed


def job_run(job_id: int, *, link_in_background: bool = True) -> ImportJob:
    """Run a job to the end (safe again after a crash); then the engine, queued or by link_after."""
    from gradphoto.photos.importer import import_photos
    from gradphoto.records.importer import import_records

    job = ImportJob.objects.select_related("organisation").get(pk=job_id)
    now = clock.now()
    if not _move(job, JobStatus.RUNNING, started_at=now, heartbeat_at=now):
        return job
    runner: Callable[..., dict[str, Any]] = (
        import_records if job.kind == ImportKind.RECORDS else import_photos
    )
    try:
        summary = runner(job=job, progress=lambda done, total: job_progress(job, done, total))
    except DomainError as error:  # the file as a whole is unusable
        job.refresh_from_db()
        _move(
            job,
            JobStatus.REJECTED,
            finished_at=clock.now(),
            file_error={"code": error.code, "message": error.message},
        )
        return job
    except Exception:
        log.exception("import job %s failed", job.pk)
        job.refresh_from_db()
        _move(job, JobStatus.FAILED, finished_at=clock.now())
        raise
    job.refresh_from_db()
    _move(
        job,
        JobStatus.DONE,
        finished_at=clock.now(),
        summary=summary["counts"] | summary.get("extra", {}),
        errors=summary["errors"],
    )
    with transaction.atomic():
        audit_record(actor=job.created_by, action="import.done", obj=job, after=summary["counts"])
        _after_import(job, link_in_background=link_in_background)
    return job


def _linkage_scope(job: ImportJob) -> list[int]:
    """The schools whose unlinked photos an import may have made linkable."""
    from gradphoto.photos.models import Photo

    if job.kind == ImportKind.RECORDS:
        return [job.organisation_id]
    return sorted(set(Photo.objects.filter(batch=job).values_list("school_id", flat=True)))


def _after_import(job: ImportJob, *, link_in_background: bool) -> None:
    """After commit: the linkage engine over the schools concerned, and "photos are ready" messages."""
    from gradphoto.linking.tasks import link_run
    from gradphoto.notifications.services import notify_photos_ready
    from gradphoto.photos.models import LinkState, Photo

    if job.kind == ImportKind.PHOTOS:
        linked = Photo.objects.filter(batch=job, link_state=LinkState.LINKED)
        if pks := list(linked.values_list("pk", flat=True)):
            notify_photos_ready(photo_ids=pks)
    if link_in_background and (school_ids := _linkage_scope(job)):
        transaction.on_commit(lambda: link_run.enqueue(school_ids))


def link_after(job: ImportJob) -> dict[str, Any] | None:
    """The linkage engine over a finished job's schools, in this process, its students told at once:
    for the command line, whose user waits for the answer and may run no worker. None for a job that
    did not finish. Should the run fail (the import stands, committed), it is queued for the worker,
    and the summary says so instead of losing itself in a traceback."""
    from gradphoto.linking.engine import run
    from gradphoto.linking.tasks import link_run

    if job.status != JobStatus.DONE or not (school_ids := _linkage_scope(job)):
        return None
    try:
        return run(school_ids=school_ids, notify_now=True)
    except Exception as error:
        log.exception("linkage after import job %s failed", job.pk)
        failed: dict[str, Any] = {"error": f"{type(error).__name__}: {error}", "queued": False}
        try:
            link_run.enqueue(school_ids)
            failed["queued"] = True
        except Exception:
            log.exception("linkage after import job %s could not be queued", job.pk)
        return failed


def job_progress(job: ImportJob, done: int, total: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(done=done, total=total, heartbeat_at=clock.now())


def job_file(job: ImportJob, *, extra: bool = False) -> Any:
    return default_storage.open(job.extra_file if extra else job.file, "rb")
