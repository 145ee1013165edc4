"""A failed import is run again from its page or the API; a worker resumes what a stopped one left running;
a finished job reads 100 %; what the file held beside its rows is on the page and in the report."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.audit.models import AuditEvent
from gradphoto.common import clock
from gradphoto.common.testing import make_record
from gradphoto.demo.portrait import photo_set
from gradphoto.imports.models import ImportJob, JobStatus
from gradphoto.imports.services import job_create, job_run, jobs_resume_abandoned
from gradphoto.imports.testing import batch_zip, photo_row, records_csv
from gradphoto.imports.tests.test_records_import import template_rows
from gradphoto.records.models import StudentRecord

pytestmark = pytest.mark.django_db


def records_job(personas, rows: list[dict[str, str]], **extra) -> ImportJob:
    """A 学籍 job of the school, not queued: the test runs or breaks it."""
    return job_create(
        kind="records",
        organisation=personas.school,
        user=personas.alice,
        filename="xueji.csv",
        data=records_csv(rows),
        enqueue=False,
        **extra,
    )


def finished(kind: str, user, filename: str, data: bytes) -> ImportJob:
    """A job of the user's organisation, run to its end in this process."""
    job = job_create(
        kind=kind, organisation=user.organisation, user=user, filename=filename, data=data, enqueue=False
    )
    return job_run(job.pk)


def report_of(client, job: ImportJob):
    return load_workbook(io.BytesIO(client.get(reverse("imports:report", args=[job.pk])).content))


@pytest.fixture
def failed_job(personas):
    job = records_job(personas, template_rows(personas, 2))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    return job


def test_a_failed_job_is_run_again_by_its_own_organisation(
    client, personas, failed_job, django_capture_on_commit_callbacks
):
    detail, retry = (reverse(f"imports:{n}", args=[failed_job.pk]) for n in ("detail", "retry"))
    client.force_login(personas.bob)  # university staff of another school
    assert client.post(retry).status_code == 404
    client.force_login(personas.carol)
    assert client.post(retry).status_code == 403
    client.force_login(personas.alice)
    page = client.get(detail).content.decode()
    assert 'id="failed"' in page and retry in page and "重新运行" in page
    assert client.get(retry).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry).status_code == 302
    failed_job.refresh_from_db()
    assert failed_job.status == JobStatus.DONE and failed_job.summary["created"] == 2
    assert AuditEvent.objects.filter(action="import.retried", actor=personas.alice).count() == 1
    client.post(retry, follow=True)  # done: nothing to run again
    assert AuditEvent.objects.filter(action="import.retried").count() == 1


def test_the_api_runs_a_failed_job_again_and_refuses_any_other(
    client, personas, failed_job, django_capture_on_commit_callbacks
):
    url = f"/api/v1/imports/{failed_job.pk}/retry"
    other = api_token_issue(user=personas.bob)
    assert client.post(url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    token = api_token_issue(user=personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 202
    assert ImportJob.objects.get(pk=failed_job.pk).status == JobStatus.DONE
    again = client.post(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert again.status_code == 409 and again.json()["code"] == "not_failed"


def test_a_worker_resumes_jobs_a_stopped_worker_left_running(personas):
    def running(minutes_ago: int) -> ImportJob:
        job = records_job(personas, template_rows(personas, 1))
        beat = clock.now() - dt.timedelta(minutes=minutes_ago)
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=beat)
        return job

    abandoned, alive = running(30), running(1)
    assert jobs_resume_abandoned() == [abandoned.pk]  # the immediate backend runs it at once
    assert ImportJob.objects.get(pk=abandoned.pk).status == JobStatus.DONE
    assert ImportJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING


def test_a_finished_import_with_rejected_rows_reads_100_percent(personas):
    rows = template_rows(personas, 3)
    rows[1]["SFZH"] = "123"
    job = records_job(personas, rows)
    job = job_run(job.pk)
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 3, 3, 100)


def admission_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_unused_admission_photos_are_on_the_page_and_in_the_report(client, personas):
    rows = template_rows(personas, 1)
    files = {f"{rows[0]['XH']}.jpg": b"not a jpeg", "nobody.jpg": photo_set(1)[0]}
    job = records_job(personas, rows, extra=admission_zip(files))
    job_run(job.pk)
    client.force_login(personas.alice)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'id="admission-problems"' in page and "nobody.jpg" in page and "no_record" in page
    book = report_of(client, job)
    problems = [[c.value for c in row] for row in book["admission photos"].iter_rows(min_row=2)]
    assert sorted(p[0] for p in problems) == sorted(files)
    summary = {row[0].value: row[1].value for row in book["summary"].iter_rows()}
    assert summary["未使用的录取照片 admission_problems"] == 2


def test_an_unusable_admission_zip_rejects_the_job_before_any_row_is_written(personas):
    job = records_job(personas, template_rows(personas, 2), extra=b"PK\x03\x04 this is not a zip")
    job = job_run(job.pk)
    assert job.status == JobStatus.REJECTED and job.file_error["code"] == "not_zip"
    assert not StudentRecord.objects.exists()


def test_unlisted_files_are_on_the_page_and_in_the_report(client, personas):
    record = make_record(personas.school)
    rows = [photo_row(record, 1)]
    photos = photo_set(2)
    data = batch_zip(rows, {rows[0]["ZPWJ"]: photos[0], "extra/other.jpg": photos[1]})
    job = finished("photos", personas.erin, "b.zip", data)
    client.force_login(personas.erin)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'id="unlisted"' in page and "extra/other.jpg" in page
    book = report_of(client, job)
    assert [c.value for c in book["unlisted files"]["A"]] == ["文件 file", "extra/other.jpg"]


def test_the_list_labels_the_job_status_and_upload_time(client, personas):
    client.force_login(personas.alice)
    client.post(
        reverse("imports:list"),
        {"file": SimpleUploadedFile("x.csv", records_csv(template_rows(personas, 1)))},
    )
    page = client.get(reverse("imports:list")).content.decode()
    assert "<th>状态</th><th>上传时间</th>" in page and "学籍状态" not in page


def test_the_report_writes_typed_text_never_as_a_formula(client, personas):
    lines = records_csv(template_rows(personas, 1)).decode("utf-8-sig").splitlines()
    data = "\n".join([lines[0] + ",=cmd|' /C calc'!A0", lines[1] + ",x"]).encode()
    job = finished("records", personas.alice, "=x.csv", data)
    client.force_login(personas.alice)
    book = report_of(client, job)
    cells = [c for row in book["summary"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=x.csv" in [c.value for c in cells] and "'=cmd|' /C calc'!A0" in [c.value for c in cells]
    assert all(c.data_type == "s" for c in cells)


def test_two_clicks_on_run_it_again_queue_the_job_once(personas, failed_job):
    from gradphoto.common.errors import Conflict
    from gradphoto.imports.services import job_retry

    job_retry(user=personas.alice, job=ImportJob.objects.get(pk=failed_job.pk))
    with pytest.raises(Conflict):
        job_retry(user=personas.alice, job=ImportJob.objects.get(pk=failed_job.pk))
    assert AuditEvent.objects.filter(action="import.retried").count() == 1


def test_a_batch_stopped_after_publishing_reports_its_photos_as_created_when_retried(personas, monkeypatch):
    """Publishing commits before the job's report is written: a worker stopped in between leaves the
    photos visible and the job running; the retry must report what the job did, not "0 created"."""
    from gradphoto.photos import importer
    from gradphoto.photos.models import Photo

    records = [make_record(personas.school) for _ in range(2)]
    rows = [photo_row(record, n) for n, record in enumerate(records, 1)]
    data = batch_zip(rows, dict(zip([r["ZPWJ"] for r in rows], photo_set(2), strict=True)))
    job = job_create(
        kind="photos",
        organisation=personas.agency,
        user=personas.erin,
        filename="b.zip",
        data=data,
        enqueue=False,
    )

    def stop_after_publishing(*args, **kwargs):
        raise SystemExit("worker stopped")

    monkeypatch.setattr(importer, "_compare_faces_after_commit", stop_after_publishing)
    with pytest.raises(SystemExit):
        job_run(job.pk)
    assert Photo.objects.filter(batch=job).count() == 2
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    monkeypatch.undo()
    stale = clock.now() - dt.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    job = job_run(job.pk)
    assert job.status == JobStatus.DONE
    assert (job.summary["created"], job.summary["unchanged"], job.summary["linked"]) == (2, 0, 2)
    assert Photo.objects.filter(batch=job).count() == 2
    again = finished("photos", personas.erin, "b.zip", data)
    assert (again.summary["created"], again.summary["unchanged"]) == (0, 2)  # another job: unchanged
