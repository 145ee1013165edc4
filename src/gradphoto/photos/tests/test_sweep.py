"""`gradphoto sweep-files`: only unnamed photo files past the grace period go (RELIABILITY.md REQ-CC-05)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from gradphoto.common import clock
from gradphoto.common.images import store_content_addressed
from gradphoto.common.testing import make_photo, make_record
from gradphoto.imports.models import JobStatus
from gradphoto.imports.services import job_create
from gradphoto.photos.models import StagedPhoto

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_storage")]
DAY = 24 * 3600


def stored(data: bytes, folder: str = "photos", age: int = 0) -> str:
    name = store_content_addressed(data, folder=folder, extension="jpg")[0]
    then = time.time() - age
    os.utime(default_storage.path(name), (then, then))
    return name


def sweep(*options: str) -> dict[str, int]:
    out = io.StringIO()
    call_command("sweep_files", "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def test_only_unnamed_files_past_the_grace_period_go(personas):
    photo = make_photo(make_record(personas.school), personas.agency)
    os.utime(default_storage.path(photo.file), (time.time() - 3 * DAY,) * 2)
    orphan = stored(b"orphan photo", age=3 * DAY)
    orphan_thumb = stored(b"orphan thumbnail", folder="thumbs", age=3 * DAY)
    fresh = stored(b"being imported right now")
    job = job_create(
        kind="photos", organisation=personas.agency, user=None, filename="b.zip", data=b"PK", enqueue=False
    )
    waiting = stored(b"staged by a running batch", age=3 * DAY)
    StagedPhoto.objects.create(
        job=job,
        row=2,
        collection_no="CJ1",
        school=personas.school,
        name="张三",
        id_number="110105200305121230",
        collected_on="2026-10-20",
        sha256="0" * 64,
        file=waiting,
        size_bytes=1,
    )
    assert sweep("--dry-run")["deleted"] == 2 and default_storage.exists(orphan)
    counts = sweep()
    assert counts["deleted"] == 2 and counts["too_new"] == 1
    assert not default_storage.exists(orphan) and not default_storage.exists(orphan_thumb)
    assert all(default_storage.exists(n) for n in (photo.file, fresh, waiting))
    job.status = JobStatus.REJECTED  # ended: its staged rows can never be published
    job.save()
    counts = sweep()
    assert counts["staged_rows_dropped"] == 1 and counts["deleted"] == 1
    assert not default_storage.exists(waiting) and not StagedPhoto.objects.exists()


def test_an_ended_jobs_upload_goes_after_the_retention_period(personas):
    """A batch ZIP holds faces with names and ID numbers: it is kept while a retry may read it, and for
    UPLOAD_RETENTION_DAYS (30) after its job ended; the job's report stays."""

    def job(data: bytes, status: str, ended_days_ago: int):
        made = job_create(
            kind="photos", organisation=personas.agency, user=None, filename="b.zip", data=data, enqueue=False
        )
        made.status, made.finished_at = status, clock.now() - dt.timedelta(days=ended_days_ago)
        made.save()
        os.utime(default_storage.path(made.file), (time.time() - 3 * DAY,) * 2)
        return made

    old_done = job(b"old batch", JobStatus.DONE, 31)
    recent = job(b"recent batch", JobStatus.DONE, 10)
    failed = job(b"failed batch", JobStatus.FAILED, 100)
    counts = sweep()
    assert counts["deleted"] == 1 and not default_storage.exists(old_done.file)
    assert default_storage.exists(recent.file) and default_storage.exists(failed.file)
    again = job_create(
        kind="photos",
        organisation=personas.agency,
        user=None,
        filename="b.zip",
        data=b"old batch",
        enqueue=False,
    )
    assert again.file == old_done.file and default_storage.exists(again.file)
