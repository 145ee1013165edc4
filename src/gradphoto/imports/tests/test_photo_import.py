"""Photo batches: the standard, storage, linking, duplicates, idempotent re-runs and crash recovery."""

from __future__ import annotations

import io
import json
import zipfile
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from gradphoto.audit.models import AuditEvent
from gradphoto.common.testing import make_record, make_student
from gradphoto.demo.portrait import photo_set
from gradphoto.imports.models import ImportJob, JobStatus
from gradphoto.imports.services import job_create, job_run
from gradphoto.imports.testing import batch_zip, photo_row
from gradphoto.photos.models import Photo, StagedPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def faces() -> list[bytes]:
    return photo_set(5)


def with_exif(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    exif = Image.Exif()
    exif[0x010F] = "Studio camera"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes(), dpi=(300, 300))
    return out.getvalue()


@pytest.fixture
def batch(personas, faces):
    first, second = make_record(personas.school), make_record(personas.school)
    stranger = make_record(personas.school)
    png = io.BytesIO()
    Image.open(io.BytesIO(faces[3])).save(png, "PNG")
    rows = [
        photo_row(first, 1),
        photo_row(second, 2),
        photo_row(stranger, 3, XM="不存在的人"),
        photo_row(first, 4),
        photo_row(first, 5),
    ]
    photos = {
        rows[0]["ZPWJ"]: with_exif(faces[0]),
        rows[1]["ZPWJ"]: faces[1],
        rows[2]["ZPWJ"]: faces[2],
        rows[3]["ZPWJ"]: png.getvalue(),
        rows[4]["ZPWJ"]: faces[4],
    }
    return {"first": first, "second": second, "zip": batch_zip(rows, photos)}


def run(tmp_path, data: bytes, agency: str = "xinhua-bj") -> tuple[int, dict]:
    path = tmp_path / "batch.zip"
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command("import_photos", str(path), agency=agency, json=True, stdout=out, stderr=io.StringIO())
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue())


def test_a_batch_is_checked_stored_and_linked(tmp_path, batch):
    code, summary = run(tmp_path, batch["zip"])
    assert code == 0
    assert (summary["created"], summary["rejected"]) == (4, 1)
    assert (summary["linked"], summary["duplicate"], summary["unlinked"]) == (2, 1, 1)
    assert {e["row"] for e in summary["errors"]} == {5}
    assert "not_jpeg" in {e["code"] for e in summary["errors"]}
    first = batch["first"].photos.get(link_state="linked")
    with default_storage.open(first.file, "rb") as handle:
        stored = handle.read()
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert first.thumbnail and default_storage.exists(first.thumbnail)


def test_running_the_same_batch_again_adds_nothing(tmp_path, batch):
    run(tmp_path, batch["zip"])
    photos, audits = Photo.objects.count(), AuditEvent.objects.filter(action__startswith="photo.").count()
    _, summary = run(tmp_path, batch["zip"])
    assert (summary["created"], summary["unchanged"], summary["rejected"]) == (0, 4, 1)
    assert Photo.objects.count() == photos
    assert AuditEvent.objects.filter(action__startswith="photo.").count() == audits


def test_a_crash_in_the_middle_is_completed_by_the_next_run(personas, batch):
    job = job_create(
        kind="photos",
        organisation=personas.agency,
        user=personas.erin,
        filename="b.zip",
        data=batch["zip"],
        enqueue=False,
    )
    from gradphoto.photos import importer

    real_store, calls = importer._store, []

    def crash_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real_store(*args, **kwargs)

    with mock.patch.object(importer, "_store", crash_on_third), pytest.raises(RuntimeError):
        job_run(job.pk)
    job.refresh_from_db()
    # REQ-CC-04: nothing of the batch is visible; the two photos checked before the crash wait staged.
    assert job.status == JobStatus.FAILED and Photo.objects.count() == 0
    assert StagedPhoto.objects.filter(job=job).count() == 2 and not AuditEvent.objects.filter(
        action__startswith="photo."
    )
    checked = []

    def count(*args, **kwargs):
        checked.append(1)
        return real_store(*args, **kwargs)

    with mock.patch.object(importer, "_store", count):
        job = job_run(job.pk)
    assert job.status == JobStatus.DONE and len(checked) == 3  # the staged two are not checked again
    assert not StagedPhoto.objects.exists()
    assert Photo.objects.count() == 4
    assert AuditEvent.objects.filter(action="photo.added").count() == 4
    assert Photo.objects.filter(link_state="linked").count() == 2


def test_the_student_sees_the_new_photo(client, tmp_path, batch):
    student = make_student(batch["second"])
    run(tmp_path, batch["zip"])
    client.force_login(student)
    html = client.get(reverse("verification:records")).content.decode()
    assert 'data-case="awaiting_verdict"' in html


def test_a_zip_slip_archive_is_rejected_whole(tmp_path, personas, faces):
    record = make_record(personas.school)
    rows = [photo_row(record, 1, ZPWJ="../evil.jpg")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.csv", "CJH,YXDM,XM,SFZH,CJRQ,ZPWJ\nCJ1,10001,a,b,2026-10-01,x.jpg\n")
        archive.writestr("../evil.jpg", faces[0])
    code, summary = run(tmp_path, buffer.getvalue())
    assert code == 2 and summary["file_error"]["code"] == "unsafe_path"
    assert not Photo.objects.exists() and rows


def test_a_batch_without_manifest_is_rejected(tmp_path, personas, faces):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.jpg", faces[0])
    code, summary = run(tmp_path, buffer.getvalue())
    assert code == 2 and summary["file_error"]["code"] == "no_manifest"


def test_an_empty_zip_is_rejected_whole_with_exit_2(tmp_path, personas):
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    code, summary = run(tmp_path, buffer.getvalue())
    assert code == 2 and summary["file_error"]["code"] == "no_manifest"


def test_two_rows_naming_one_file_differently_import_it_once(tmp_path, personas, faces):
    first, second = make_record(personas.school), make_record(personas.school)
    rows = [photo_row(first, 1, ZPWJ="photos/a.jpg"), photo_row(second, 2, ZPWJ="./Photos/A.jpg")]
    _, summary = run(tmp_path, batch_zip(rows, {"photos/a.jpg": faces[0]}))
    assert (summary["created"], summary["rejected"]) == (1, 1)
    assert [(e["row"], e["code"]) for e in summary["errors"]] == [(3, "duplicate_file")]


def test_a_listed_photo_missing_from_the_zip_is_a_row_error(tmp_path, personas, faces):
    record = make_record(personas.school)
    _, summary = run(tmp_path, batch_zip([photo_row(record, 1)], {}))
    assert summary["errors"][0]["code"] == "file_missing"


def test_an_agency_imports_only_as_itself(personas, batch):
    from gradphoto.common.errors import NotAllowed

    for user in (personas.alice, personas.carol, personas.frank):
        with pytest.raises(NotAllowed):
            job_create(
                kind="photos", organisation=personas.agency, user=user, filename="b.zip", data=batch["zip"]
            )
    with pytest.raises(NotAllowed):
        job_create(
            kind="photos",
            organisation=personas.other_agency,
            user=personas.erin,
            filename="b.zip",
            data=batch["zip"],
        )
    assert not ImportJob.objects.exists()


def test_one_photo_file_used_for_two_students_is_shown_on_the_report(client, tmp_path, personas, faces):
    first, second, third = (make_record(personas.school) for _ in range(3))
    rows = [photo_row(first, 1), photo_row(second, 2), photo_row(third, 3)]
    files = {rows[0]["ZPWJ"]: faces[0], rows[1]["ZPWJ"]: faces[0], rows[2]["ZPWJ"]: faces[1]}
    _, summary = run(tmp_path, batch_zip(rows, files))
    assert summary["created"] == 3  # PRODUCT.md refuses neither: each is a valid photo of the standard
    assert summary["identical_photos"] == [f"{rows[0]['CJH']}、{rows[1]['CJH']}"]
    # a later batch reusing that file for another collection is shown too, with the earlier number
    fourth = make_record(personas.school)
    later = [photo_row(fourth, 4)]
    _, summary = run(tmp_path, batch_zip(later, {later[0]["ZPWJ"]: faces[0]}))
    assert summary["identical_photos"] == ["、".join(sorted(r["CJH"] for r in [*rows[:2], *later]))]
    client.force_login(personas.erin)
    job = ImportJob.objects.latest("pk")
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'id="identical"' in page and later[0]["CJH"] in page


def test_the_report_page_names_the_duplicate_collections(client, tmp_path, personas, batch):
    run(tmp_path, batch["zip"])
    client.force_login(personas.erin)
    page = client.get(reverse("imports:detail", args=[ImportJob.objects.latest("pk").pk])).content.decode()
    section = page.split('id="duplicates"', 1)[1].split("</div>", 1)[0]
    assert "CJ000005" in section and "CJ000001" not in section
