"""Two runs of one file at the same moment (two tabs, a retry and a worker): each row lands once and
both jobs finish (RELIABILITY.md REQ-CC-03). Meaningful on PostgreSQL; SQLite queues whole transactions."""

from __future__ import annotations

import time

import pytest

from gradphoto.audit.models import AuditEvent
from gradphoto.common.testing import make_record
from gradphoto.demo.portrait import photo_set
from gradphoto.graduation.tests.test_concurrency import run_together
from gradphoto.imports.models import JobStatus
from gradphoto.imports.services import job_create, job_run
from gradphoto.imports.testing import batch_zip, photo_row, records_csv
from gradphoto.imports.tests.test_records_import import template_rows
from gradphoto.photos.models import Photo
from gradphoto.records import importer as records_importer
from gradphoto.records.models import StudentRecord

pytestmark = pytest.mark.django_db(transaction=True)


def jobs(kind: str, organisation, user, data: bytes) -> list[int]:
    return [
        job_create(kind=kind, organisation=organisation, user=user, filename="f", data=data, enqueue=False).pk
        for _ in range(2)
    ]


def test_one_student_status_file_imported_twice_at_once_creates_each_record_once(personas, monkeypatch):
    rows = template_rows(personas, 5)
    fill = records_importer.record_keys_fill

    def slow_fill(record):  # widen the window between looking for a record and inserting it
        time.sleep(0.05)
        fill(record)

    monkeypatch.setattr(records_importer, "record_keys_fill", slow_fill)
    ids = jobs("records", personas.school, personas.alice, records_csv(rows))
    done = run_together(*(lambda pk=pk: job_run(pk) for pk in ids))
    assert [job.status for job in done] == [JobStatus.DONE, JobStatus.DONE]
    assert sorted((j.summary["created"], j.summary["unchanged"]) for j in done) == [(0, 5), (5, 0)]
    assert StudentRecord.objects.filter(school=personas.school).count() == 5
    assert AuditEvent.objects.filter(action="record.created").count() == 5


def test_one_photo_batch_imported_twice_at_once_stores_each_photo_once(personas):
    records = [make_record(personas.school) for _ in range(3)]
    rows = [photo_row(record, n) for n, record in enumerate(records)]
    data = batch_zip(rows, dict(zip([r["ZPWJ"] for r in rows], photo_set(3), strict=True)))
    ids = jobs("photos", personas.agency, personas.erin, data)
    done = run_together(*(lambda pk=pk: job_run(pk) for pk in ids))
    assert [job.status for job in done] == [JobStatus.DONE, JobStatus.DONE]
    assert sorted((j.summary["created"], j.summary["unchanged"]) for j in done) == [(0, 3), (3, 0)]
    assert Photo.objects.count() == 3 and AuditEvent.objects.filter(action="photo.added").count() == 3
