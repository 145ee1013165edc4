"""Upload pages and endpoints: the right role of the right organisation only; reports as XLSX."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.common.testing import make_record, make_staff, make_student
from gradphoto.imports.models import ImportJob, JobStatus
from gradphoto.imports.testing import record_row, records_csv

pytestmark = pytest.mark.django_db
LIST = reverse("imports:list")


@pytest.fixture
def csv_file(personas):
    good, bad = make_record(personas.school), make_record(personas.school)
    rows = [record_row(good), record_row(bad, SFZH="123")]
    good.delete()
    bad.delete()
    return records_csv(rows)


def test_university_staff_upload_a_file_and_read_the_report(client, personas, csv_file, run_on_commit):
    client.force_login(personas.alice)
    with run_on_commit(execute=True):
        response = client.post(LIST, {"file": SimpleUploadedFile("xueji.csv", csv_file)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.created_by == personas.alice
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and "id_format" in page
    report = client.get(reverse("imports:report", args=[job.pk]))
    book = load_workbook(io.BytesIO(report.content))
    assert [c.value for c in book["errors"][2]][2] == "id_format"


def test_other_roles_cannot_open_the_upload_page(client, personas):
    for user in (personas.carol, personas.dave, make_student(make_record(personas.school))):
        client.force_login(user)
        assert client.get(LIST).status_code == 403


def test_another_organisations_job_is_404(client, personas, csv_file):
    client.force_login(personas.alice)
    client.post(LIST, {"file": SimpleUploadedFile("xueji.csv", csv_file)})
    job = ImportJob.objects.get()
    for user in (personas.bob, personas.erin):
        client.force_login(user)
        assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("imports:report", args=[job.pk])).status_code == 404
    client.force_login(personas.frank)
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 200


def test_the_api_imports_for_the_tokens_organisation_only(client, personas, csv_file, run_on_commit):
    token = api_token_issue(user=personas.alice)
    with run_on_commit(execute=True):
        response = client.post(
            "/api/v1/imports/records",
            {"file": SimpleUploadedFile("x.csv", csv_file)},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 202
    body = client.get(f"/api/v1/imports/{response.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body["status"] == "done" and body["created"] == 1 and body["rejected"] == 1
    job_url = f"/api/v1/imports/{body['id']}"
    assert client.get(job_url, HTTP_AUTHORIZATION=f"Bearer {token}").json()["id"] == body["id"]
    for user in (personas.bob, personas.erin, make_staff("collector_staff", personas.other_agency, "ola")):
        other = api_token_issue(user=user)
        assert client.get(job_url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_the_api_refuses_the_wrong_role(client, personas, csv_file):
    for user in (personas.erin, personas.carol, personas.frank):
        token = api_token_issue(user=user)
        response = client.post(
            "/api/v1/imports/records",
            {"file": SimpleUploadedFile("x.csv", csv_file)},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 403, user
    assert not ImportJob.objects.exists()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the job queued after commit, as the worker would (tests use the immediate backend)."""
    return django_capture_on_commit_callbacks


def test_the_api_takes_admission_photos_beside_the_records_file(client, personas, csv_file, run_on_commit):
    import io
    import zipfile

    from gradphoto.common.testing import tiny_jpeg

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("nobody.jpg", tiny_jpeg())
    token = api_token_issue(user=personas.alice)
    with run_on_commit(execute=True):
        response = client.post(
            "/api/v1/imports/records",
            {
                "file": SimpleUploadedFile("x.csv", csv_file),
                "admission_photos": SimpleUploadedFile("a.zip", buffer.getvalue()),
            },
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.extra_file  # stored beside the file, as the web form does
    assert job.summary["admission_photos"] == 0 and "nobody.jpg" in str(job.summary["admission_problems"])
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/imports/records"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "admission_photos" in json.dumps(body)
    report = schema["paths"]["/api/v1/imports/{job_id}/report.xlsx"]["get"]["responses"]
    assert "spreadsheetml" in json.dumps(report["200"])  # the 200 is documented with its content type


def test_an_upload_over_its_kinds_limit_is_refused_before_it_is_read(client, personas, monkeypatch):
    from gradphoto.imports import services

    monkeypatch.setattr(services, "MAX_RECORDS_BYTES", 10)
    token = api_token_issue(user=personas.alice)
    response = client.post(
        "/api/v1/imports/records",
        {"file": SimpleUploadedFile("x.csv", b"YXDM,XH,XM\n" * 3)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400 and response.json()["code"] == "too_large"
    assert not ImportJob.objects.exists()


def test_an_upload_is_streamed_into_storage_never_read_whole(client, personas, csv_file):
    """A large upload is a file on disk (TemporaryUploadedFile): it is hashed and stored in chunks."""
    import hashlib

    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from gradphoto.imports.services import job_create_from_upload

    class ChunksOnly(TemporaryUploadedFile):
        def read(self, *args, **kwargs):
            if not args and not kwargs:
                raise AssertionError("the whole upload was read into memory")
            return super().read(*args, **kwargs)

    upload = ChunksOnly("x.csv", "text/csv", len(csv_file), "utf-8")
    upload.write(csv_file)
    upload.seek(0)
    job = job_create_from_upload(kind="records", user=personas.alice, upload=upload)
    assert job.sha256 == hashlib.sha256(csv_file).hexdigest()
    with default_storage.open(job.file, "rb") as stored:
        assert stored.read() == csv_file
