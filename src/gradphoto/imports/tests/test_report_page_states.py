"""A file rejected whole does not look like a success; the report states the job in words; the operator
finds the import list in the nav, with each job's organisation; a batch names the photos still unlinked."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gradphoto.common.testing import make_photo, make_record
from gradphoto.demo.portrait import photo_set
from gradphoto.imports import views
from gradphoto.imports.models import ImportJob, JobStatus
from gradphoto.imports.services import job_create
from gradphoto.imports.testing import batch_zip, photo_row, records_csv
from gradphoto.imports.tests.test_job_recovery import finished, report_of
from gradphoto.imports.tests.test_records_import import template_rows

pytestmark = pytest.mark.django_db
LIST = reverse("imports:list")


def english(client):
    client.post(reverse("set_language"), {"language": "en"})


@pytest.fixture
def rejected(personas) -> ImportJob:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/1.jpg", photo_set(1)[0])
    job = finished("photos", personas.erin, "no-manifest.zip", buffer.getvalue())
    assert job.status == JobStatus.REJECTED and job.file_error["code"] == "no_manifest"
    return job


def summary_of(client, job: ImportJob) -> dict[str, object]:
    return {row[0].value: row[1].value for row in report_of(client, job)["summary"].iter_rows()}


def test_a_file_rejected_whole_shows_its_reason_and_no_progress_bar(client, personas, rejected):
    client.force_login(personas.erin)
    page = client.get(reverse("imports:detail", args=[rejected.pk])).content.decode()
    assert "<progress" not in page and "已处理 0 / 0 行" not in page
    assert 'id="file-error" role="alert"' in page and "压缩包根目录下缺少清单文件" in page
    assert '<span class="badge bad">文件被拒绝</span>' in page
    english(client)
    page = client.get(reverse("imports:detail", args=[rejected.pk])).content.decode()
    assert "The archive has no manifest.csv or manifest.xlsx at its root." in page
    assert "<code>no_manifest</code>" in page


def test_the_report_states_the_job_in_chinese_with_its_code(client, personas, rejected):
    client.force_login(personas.erin)
    summary = summary_of(client, rejected)
    assert summary["状态 status"] == "文件被拒绝 (rejected)"
    assert summary["错误代码 code"] == "no_manifest"
    assert str(summary["英文说明 explanation"]).startswith("The archive has no manifest")
    done = finished("records", personas.alice, "x.csv", records_csv(template_rows(personas, 1)))
    client.force_login(personas.alice)
    assert summary_of(client, done)["状态 status"] == "已完成 (done)"


def test_the_operator_finds_every_import_with_its_organisation(client, personas, rejected):
    finished("records", personas.alice, "x.csv", records_csv(template_rows(personas, 1)))
    client.force_login(personas.frank)
    english(client)
    page = client.get(LIST).content.decode()
    assert f'<a href="{LIST}" id="nav-imports">Imports</a>' in page
    assert "<th>Organisation</th>" in page
    assert '<td data-label="Organisation" class="wrap org">北京大学</td>' in page
    assert '<td data-label="Organisation" class="wrap org">新华社北京分社</td>' in page
    client.force_login(personas.alice)
    english(client)
    page = client.get(LIST).content.decode()
    assert "<th>Organisation</th>" not in page and 'id="nav-imports"' not in page


def test_the_operators_list_reads_the_organisations_in_the_same_query(client, personas):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    client.force_login(personas.frank)
    job_create(
        kind="records", organisation=personas.school, user=None, filename="a", data=b"1", enqueue=False
    )
    one = queries()
    for organisation in (personas.other_school, personas.agency):
        kind = "photos" if organisation == personas.agency else "records"
        job_create(kind=kind, organisation=organisation, user=None, filename="b", data=b"2", enqueue=False)
    assert queries() == one


def test_the_batch_report_lists_every_photo_with_its_row_and_link_now(client, personas):
    first, stranger = make_record(personas.school), make_record(personas.school)
    rows = [photo_row(first, 1), photo_row(stranger, 2, XM="不存在的人"), photo_row(first, 3)]
    photos = {row["ZPWJ"]: face for row, face in zip(rows, photo_set(3), strict=True)}
    job = finished("photos", personas.erin, "b.zip", batch_zip(rows, photos))
    client.force_login(personas.erin)
    sheet = report_of(client, job)["photos"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["采集号 CJH", "清单行号 manifest row", "关联结果 link", "代码 code"],
        ["CJ000001", 2, "已关联", "linked"],
        ["CJ000002", 3, "未关联", "unlinked"],
        ["CJ000003", 4, "重复采集", "duplicate"],
    ]
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    unlinked = page[page.index('id="unlinked"') :]
    assert "<code>CJ000002</code>" in unlinked and "CJ000001" not in unlinked


def done_batch_of_unlinked(personas, count: int) -> ImportJob:
    """A finished batch (no manifest to read back) whose photos U0, U1 … link to nobody."""
    job = job_create(
        kind="photos", organisation=personas.agency, user=None, filename="b.zip", data=b"x", enqueue=False
    )
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, summary={"unlinked": count})
    record = make_record(personas.school)
    for n in range(count):
        make_photo(record, personas.agency, batch=job, collection_no=f"U{n}", name="别的人", id_number="1")
    return job


def test_the_page_names_at_most_the_first_unlinked_photos(client, personas, monkeypatch):
    job = done_batch_of_unlinked(personas, 3)
    monkeypatch.setattr(views, "SHOWN_UNLINKED", 2)
    client.force_login(personas.erin)
    english(client)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "<code>U0</code>" in page and "<code>U1</code>" in page and "<code>U2</code>" not in page
    assert "The first 2 of 3 are shown." in page
    numbers = [row[0].value for row in report_of(client, job)["photos"].iter_rows(min_row=2)]
    assert numbers == ["U0", "U1", "U2"]  # the report lists them all; no manifest to read: rows empty


def test_the_page_names_the_photos_that_expired_unlinked(client, personas):
    """After `gradphoto expire-photos`, the batch's page says which of its photos were deleted, and why."""
    from gradphoto.common import clock
    from gradphoto.photos.models import Photo
    from gradphoto.photos.retention import photos_expire

    job = done_batch_of_unlinked(personas, 2)
    Photo.objects.filter(collection_no="U0").update(uploaded_at=clock.now() - dt.timedelta(days=400))
    assert photos_expire()["expired"] == 1
    client.force_login(personas.erin)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    expired, unlinked = page[page.index('id="expired"') :], page[page.index('id="unlinked"') :]
    assert "<code>U0</code>" in expired and "U1" not in expired and "已删除" in expired
    assert "<code>U1</code>" in unlinked and "U0" not in unlinked.split('id="expired"')[0]
    sheet = report_of(client, job)["photos"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["U1", None, "未关联", "unlinked"],
        ["U0", None, "超过保留期已删除", "expired"],
    ]
    english(client)
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "1 photo of this batch was still not linked" in page


def test_the_report_keeps_an_expired_photo_at_its_manifest_row(client, personas):
    from gradphoto.common import clock
    from gradphoto.photos.models import Photo
    from gradphoto.photos.retention import photos_expire

    first, stranger = make_record(personas.school), make_record(personas.school)
    rows = [photo_row(first, 1), photo_row(stranger, 2, XM="不存在的人"), photo_row(first, 3)]
    photos = {row["ZPWJ"]: face for row, face in zip(rows, photo_set(3), strict=True)}
    job = finished("photos", personas.erin, "b.zip", batch_zip(rows, photos))
    Photo.objects.filter(collection_no="CJ000002").update(uploaded_at=clock.now() - dt.timedelta(days=400))
    assert photos_expire()["expired"] == 1
    client.force_login(personas.erin)
    sheet = report_of(client, job)["photos"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["CJ000001", 2, "已关联", "linked"],
        ["CJ000002", 3, "超过保留期已删除", "expired"],
        ["CJ000003", 4, "重复采集", "duplicate"],
    ]
