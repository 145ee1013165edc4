"""Photo batches, row by row: a reused collection number, a damaged member, names as the manifest gives
them, legacy (GBK) names that also read as UTF-8, and what counts as an unlisted file."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from gradphoto.common.testing import make_record
from gradphoto.demo.portrait import photo_set
from gradphoto.imports.testing import batch_zip, manifest_csv, photo_row
from gradphoto.photos.models import Photo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def faces() -> list[bytes]:
    return photo_set(3)


def run(tmp_path, data: bytes) -> tuple[int, dict]:
    path = tmp_path / "batch.zip"
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command(
            "import_photos", str(path), agency="xinhua-bj", json=True, stdout=out, stderr=io.StringIO()
        )
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(out.getvalue())


def codes(summary: dict) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for error in summary["errors"]:
        found.setdefault(error["row"], set()).add(error["code"])
    return found


def test_a_collection_number_reused_for_other_content_is_refused_and_nothing_changes(
    tmp_path, personas, faces
):
    one, two = make_record(personas.school), make_record(personas.school)
    rows = [photo_row(one, 1), photo_row(two, 2)]
    run(tmp_path, batch_zip(rows, {rows[0]["ZPWJ"]: faces[0], rows[1]["ZPWJ"]: faces[1]}))
    stored = {p.collection_no: (p.name_collected, p.sha256) for p in Photo.objects.all()}
    again = [photo_row(one, 1, XM="王五"), photo_row(two, 2)]  # row 1: another name; row 2: another photo
    code, summary = run(tmp_path, batch_zip(again, {again[0]["ZPWJ"]: faces[0], again[1]["ZPWJ"]: faces[2]}))
    assert code == 0 and (summary["created"], summary["unchanged"], summary["rejected"]) == (0, 0, 2)
    assert codes(summary) == {2: {"collection_no_taken"}, 3: {"collection_no_taken"}}
    messages = {e["row"]: e["message"] for e in summary["errors"]}
    assert "姓名" in messages[2] and "照片" not in messages[2] and "照片" in messages[3]
    assert {p.collection_no: (p.name_collected, p.sha256) for p in Photo.objects.all()} == stored
    code, summary = run(tmp_path, batch_zip(rows, {rows[0]["ZPWJ"]: faces[0], rows[1]["ZPWJ"]: faces[1]}))
    assert (summary["unchanged"], summary["rejected"]) == (2, 0)  # the first batch again: a re-run


def damaged(data: bytes, member: str) -> bytes:
    """The ZIP with one byte of a stored member's data flipped: its CRC no longer matches."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        assert info.compress_type == zipfile.ZIP_STORED
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.file_size // 2
    return data[:start] + bytes([data[start] ^ 0xFF]) + data[start + 1 :]


def stored_zip(rows: list[dict[str, str]], photos: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.csv", manifest_csv(rows))
        for name, data in photos.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_damaged_photo_is_its_rows_error_and_the_others_are_imported(tmp_path, personas, faces):
    rows = [photo_row(make_record(personas.school), n) for n in (1, 2, 3)]
    data = damaged(stored_zip(rows, {r["ZPWJ"]: faces[n] for n, r in enumerate(rows)}), rows[1]["ZPWJ"])
    code, summary = run(tmp_path, data)
    assert code == 0 and (summary["created"], summary["rejected"]) == (2, 1)
    assert codes(summary) == {3: {"corrupt_member"}}
    assert set(Photo.objects.values_list("collection_no", flat=True)) == {rows[0]["CJH"], rows[2]["CJH"]}
    code, summary = run(tmp_path, data)
    assert code == 0 and (summary["created"], summary["unchanged"], summary["rejected"]) == (0, 2, 1)


def test_manifest_names_are_found_as_the_archive_finds_them(tmp_path, personas, faces):
    rows = [
        photo_row(make_record(personas.school), 1, ZPWJ="./photos/a.jpg"),
        photo_row(make_record(personas.school), 2, ZPWJ="Photos/B.JPG"),
    ]
    code, summary = run(tmp_path, batch_zip(rows, {"photos/a.jpg": faces[0], "photos/b.jpg": faces[1]}))
    assert code == 0 and summary["created"] == 2 and summary["errors"] == []
    assert summary["unlisted_files"] == []


def test_files_listed_by_rejected_rows_are_not_unlisted(tmp_path, personas, faces):
    record = make_record(personas.school)
    rows = [photo_row(record, 1), photo_row(record, 2, YXDM="99999"), photo_row(record, 3, CJRQ="2999-01-01")]
    photos = {r["ZPWJ"]: faces[0] for r in rows} | {"extra/other.jpg": faces[1]}
    _, summary = run(tmp_path, batch_zip(rows, photos))
    assert set(codes(summary)) == {3, 4}
    assert summary["unlisted_files"] == ["extra/other.jpg"]


def legacy_named(rows: list[dict[str, str]], photos: dict[str, bytes], encoding: str) -> bytes:
    """A ZIP whose photo names are written in ``encoding`` without the UTF-8 flag (Chinese Windows)."""
    buffer = io.BytesIO()
    stand_ins = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.csv", manifest_csv(rows))
        for n, (name, data) in enumerate(photos.items()):
            raw = name.encode(encoding)
            stand_in = f"{n:0{len(raw)}d}".encode()  # ASCII, same length: written unflagged
            stand_ins[stand_in] = raw
            archive.writestr(stand_in.decode(), data)
    data = buffer.getvalue()
    for stand_in, raw in stand_ins.items():
        assert data.count(stand_in) == 2  # the local header and the central directory
        data = data.replace(stand_in, raw)
    return data


def test_gbk_names_that_also_read_as_utf8_are_settled_by_the_manifest(tmp_path, personas, faces):
    name = "前堠.jpg"  # GBK bytes C7 B0 DC A9 are also valid UTF-8 ("ǰܩ")
    assert name.encode("gbk").decode("utf-8") != name
    rows = [photo_row(make_record(personas.school), 1, ZPWJ=name)]
    code, summary = run(tmp_path, legacy_named(rows, {name: faces[0]}, "gbk"))
    assert code == 0 and summary["created"] == 1 and summary["unlisted_files"] == []


def test_unflagged_utf8_names_still_read_as_utf8(tmp_path, personas, faces):
    name = "张三.jpg"
    rows = [photo_row(make_record(personas.school), 1, ZPWJ=name)]
    code, summary = run(tmp_path, legacy_named(rows, {name: faces[0]}, "utf-8"))
    assert code == 0 and summary["created"] == 1 and summary["unlisted_files"] == []


def test_a_number_another_batch_stored_meanwhile_is_compared_at_publishing(tmp_path, personas, faces):
    """Two batches carry 采集号 1 with other photos; the first publishes while the second is staged."""
    from gradphoto.imports.models import ImportJob
    from gradphoto.photos import staging
    from gradphoto.photos.models import StagedPhoto

    record = make_record(personas.school)
    rows = [photo_row(record, 1)]
    run(tmp_path, batch_zip(rows, {rows[0]["ZPWJ"]: faces[0]}))
    stored = Photo.objects.get()
    job = ImportJob.objects.get()
    for sha, expected in ((stored.sha256, "unchanged"), ("0" * 64, "collection_no_taken")):
        StagedPhoto.objects.create(
            job=job,
            row=2,
            collection_no=stored.collection_no,
            school=stored.school,
            name=stored.name_collected,
            id_number=stored.id_number_collected,
            student_no=stored.student_no_collected,
            collected_on=stored.collected_on,
            sha256=sha,
            file=stored.file,
            size_bytes=stored.size_bytes,
        )
        counts, links, errors = {"created": 0, "unchanged": 0}, {}, []
        staging.publish(job, counts, links, errors)
        found = "unchanged" if counts["unchanged"] else errors[0].code
        assert (found, counts["created"], Photo.objects.get().sha256) == (expected, 0, stored.sha256)
        assert not StagedPhoto.objects.exists()
    assert "照片" in errors[0].message and "姓名" not in errors[0].message


def test_an_unreadable_photo_under_a_stored_number_says_so(tmp_path, personas, faces):
    rows = [photo_row(make_record(personas.school), n) for n in (1, 2)]
    data = stored_zip(rows, {r["ZPWJ"]: faces[n] for n, r in enumerate(rows)})
    run(tmp_path, data)
    _, summary = run(tmp_path, damaged(data, rows[1]["ZPWJ"]))
    assert (summary["unchanged"], summary["rejected"]) == (1, 1)
    assert codes(summary) == {3: {"corrupt_member"}}


def test_a_passport_holder_photographed_under_a_latin_name_links_in_any_case(tmp_path, personas, faces):
    """学籍 keeps a passport number and a Latin name as typed; the batch types them its own way."""
    record = make_record(personas.school, name="JOHN SMITH", id_type="护照", id_number="E12345678")
    rows = [photo_row(record, 1, XM="John Smith", SFZH="E12345678")]
    code, summary = run(tmp_path, batch_zip(rows, {rows[0]["ZPWJ"]: faces[0]}))
    assert code == 0 and summary["linked"] == 1, summary
    assert Photo.objects.get().record == record
