"""Stored files no row names any more, removed after a grace period (RELIABILITY.md REQ-CC-05, REQ-PI-03).

Files are written content-addressed before their rows commit (a crash cannot leave a row without its
file), so a killed or refused batch can leave files behind. Deleting them on rollback is unsafe: another
row may name the same bytes. Instead `gradphoto sweep-files` deletes, under `photos/`, `thumbs/` and
`imports/` only, the files that no Photo, StagedPhoto, correction application or kept import job names
and that are older than the grace period (a running import names its files within seconds; bytes stored
again are touched). Staged rows of jobs that ended, or that nobody retried within the grace period, go
first, so their files can go too. An uploaded 学籍 file or photo batch is kept while its job may still
read it and for UPLOAD_RETENTION_DAYS after the job ended (`_uploads_kept`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import chain
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Q

from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.corrections.models import Application
from gradphoto.imports.models import ImportJob, JobStatus

from .models import Photo, StagedPhoto

FOLDERS = ("photos", "thumbs", "imports")
GRACE = dt.timedelta(hours=24)


def _walk(folder: str) -> Iterator[str]:
    directories, files = default_storage.listdir(folder)
    yield from (f"{folder}/{name}" for name in files)
    for directory in directories:
        yield from _walk(f"{folder}/{directory}")


def _uploads_kept() -> Any:
    """Import jobs whose uploaded files are kept: unfinished or failed ones (a retry reads the file again),
    and those that ended less than UPLOAD_RETENTION_DAYS ago. After that the upload (a whole batch of
    faces with names and ID numbers) goes; the rows it made and the job's report stay."""
    since = clock.now() - dt.timedelta(days=rule("UPLOAD_RETENTION_DAYS"))
    ended = Q(status__in=[JobStatus.DONE, JobStatus.REJECTED]) & Q(finished_at__lt=since)
    return ImportJob.objects.exclude(ended)


def _named() -> set[str]:
    jobs = _uploads_kept()
    return set(
        chain.from_iterable(
            (
                Photo.objects.values_list("file", flat=True),
                Photo.objects.exclude(thumbnail="").values_list("thumbnail", flat=True),
                StagedPhoto.objects.values_list("file", flat=True),
                StagedPhoto.objects.exclude(thumbnail="").values_list("thumbnail", flat=True),
                Application.objects.exclude(new_photo="").values_list("new_photo", flat=True),
                jobs.values_list("file", flat=True),
                jobs.exclude(extra_file="").values_list("extra_file", flat=True),
            )
        )
    )


def _stale_staging(before: dt.datetime) -> int:
    """Staged rows of jobs that ended, or failed or stopped (no heartbeat) before ``before``."""
    ended = Q(job__status__in=[JobStatus.DONE, JobStatus.REJECTED])
    abandoned = Q(job__status=JobStatus.FAILED, job__finished_at__lt=before) | Q(
        job__status=JobStatus.RUNNING, job__heartbeat_at__lt=before
    )
    return StagedPhoto.objects.filter(ended | abandoned).delete()[0]


def files_sweep(*, grace: dt.timedelta = GRACE, dry_run: bool = False) -> dict[str, int]:
    """Delete (or, dry, only count) the unnamed photo files older than ``grace``."""
    before = clock.now() - grace
    staged = 0 if dry_run else _stale_staging(before)
    named, counts = _named(), {"staged_rows_dropped": staged, "kept": 0, "deleted": 0, "too_new": 0}
    for folder in FOLDERS:
        if not default_storage.exists(folder):
            continue
        for name in _walk(folder):
            if name in named:
                counts["kept"] += 1
            elif default_storage.get_modified_time(name) >= before:
                counts["too_new"] += 1
            else:
                counts["deleted"] += 1
                if not dry_run:
                    default_storage.delete(name)
    return counts
