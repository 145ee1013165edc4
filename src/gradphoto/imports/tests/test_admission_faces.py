"""Admission photos beside a 学籍 file, and the face comparison job (PRODUCT.md decision 9)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from gradphoto.common.testing import make_photo, make_record
from gradphoto.demo.portrait import FACES_DIR, standard_photo
from gradphoto.imports.testing import record_row, records_csv
from gradphoto.photos.models import FaceCheck

pytestmark = pytest.mark.django_db


def portrait(name: str, variant: int = 0) -> bytes:
    return standard_photo(Image.open(Path(FACES_DIR) / name), variant=variant)


def test_admission_photos_attach_and_faces_are_compared(
    tmp_path, personas, django_capture_on_commit_callbacks
):
    same, other = make_record(personas.school), make_record(personas.school)
    make_photo(same, personas.agency, data=portrait("obama.jpg"))
    make_photo(other, personas.agency, data=portrait("biden.jpg"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{same.student_no}.jpg", portrait("obama2.jpg", 1))
        archive.writestr(f"{other.student_no}.jpg", portrait("luispedro.jpg", 1))
        archive.writestr("nobody.jpg", portrait("obama3.jpg"))
    (tmp_path / "x.csv").write_bytes(records_csv([record_row(same), record_row(other)]))
    (tmp_path / "a.zip").write_bytes(buffer.getvalue())
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_records",
            str(tmp_path / "x.csv"),
            school="10001",
            admission_photos=str(tmp_path / "a.zip"),
            json=True,
            stdout=out,
        )
    summary = json.loads(out.getvalue())
    assert summary["admission_photos"] == 2
    assert [p["code"] for p in summary["admission_problems"]] == ["no_record"]
    results = {c.record_id: c for c in FaceCheck.objects.all()}
    assert results[same.pk].result == "passed" and results[same.pk].distance < 0.5
    assert results[other.pk].result == "failed" and results[other.pk].distance > 0.6
