"""The printable application forms (corrections/pdf.py): real PDFs, read back with poppler."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from gradphoto.common.images import store_content_addressed
from gradphoto.common.testing import Personas, make_photo, make_record
from gradphoto.corrections.models import Application, FormType
from gradphoto.corrections.pdf import DataOnlyFetcher, application_html, application_pdf, render_pdf
from gradphoto.demo.portrait import BACKGROUND, photo_set
from gradphoto.photos.models import LinkState
from gradphoto.records.models import RecordStatus
from gradphoto.verification.models import Conclusion

URL_REASON = "<img src=http://example.com/x> 照片互换"


@pytest.fixture(scope="module")
def standard_photos() -> list[bytes]:
    return photo_set(2)


@pytest.fixture
def poppler() -> None:
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not on PATH: install the Debian package 'poppler-utils'"
        if os.environ.get("GRADPHOTO_REQUIRE_BROWSER"):
            pytest.fail(f"GRADPHOTO_REQUIRE_BROWSER is set but {reason}")
        print(f"skipping: {reason}")
        pytest.skip(reason)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access while rendering a PDF: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "form.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def page_one(pdf: bytes, tmp_path: Path) -> Image.Image:
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(tmp_path / "p1"),
        ],
        check=True,
        capture_output=True,
    )
    return Image.open(tmp_path / "p1.png").convert("RGB")


def dark_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    pixels = np.asarray(image.crop(box), dtype=np.int16)
    return int((pixels.sum(axis=2) < 240).sum())


def background_pixels(image: Image.Image, tolerance: int = 24) -> int:
    """Pixels of the standard photos' light-blue background, RGB(100, 197, 255)."""
    pixels = np.asarray(image, dtype=np.int16)
    return int((np.abs(pixels - np.array(BACKGROUND, dtype=np.int16)) <= tolerance).all(axis=2).sum())


def assert_looks_like_a_form(image: Image.Image, photos: int) -> None:
    width, height = image.size
    assert abs(width - 496) <= 1 and abs(height - 702) <= 1  # A4 portrait at 60 dpi
    assert dark_pixels(image, (0, 0, width, height // 8)) > 300  # the title and the first rows
    # Each 35 mm photo is ~83×110 px at 60 dpi, a quarter or more of it the light-blue background.
    assert background_pixels(image) > 1000 * photos


def application(personas: Personas, form_type: str, record: Any, **fields: Any) -> Application:
    now = timezone.now()
    return Application.objects.create(
        form_type=form_type,
        record=record,
        school=record.school,
        centre=fields.pop("centre", personas.centre),
        created_at=now,
        updated_at=now,
        **fields,
    )


def student(personas: Personas, photo: bytes | None = None, **fields: Any) -> Any:
    record = make_record(personas.school, learning_centre=personas.centre, **fields)
    if photo is not None:
        linked = make_photo(record, personas.agency, data=photo)
        assert linked.link_state == LinkState.LINKED
    return record


def test_swap_form_a(
    personas: Personas,
    standard_photos: list[bytes],
    poppler: None,
    no_network: None,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    first = student(personas, standard_photos[0])
    second = student(personas, standard_photos[1])
    app = application(personas, FormType.SWAP, first, counterpart=second, reason="两名学生照片采集时互换")

    started = time.perf_counter()
    pdf = application_pdf(app)
    elapsed = time.perf_counter() - started
    print(f"swap form rendered in {elapsed:.2f} s, {len(pdf)} bytes")

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "图像采集信息修改申请表" in text
    assert first.name in text and second.name in text
    assert first.id_number in text and second.id_number in text  # in full: the school checks them
    assert "互换学生信息" in text and "学生签字" in text and "高校审核" in text
    assert "共 1 页" in text  # both students, the photos and the signature boxes fit on one sheet
    image = page_one(pdf, tmp_path)
    image.save(artifacts / "form-a.png")
    assert_looks_like_a_form(image, photos=2)


def test_form_b_graduate_with_new_photo_and_fee(
    personas: Personas,
    standard_photos: list[bytes],
    poppler: None,
    no_network: None,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    record = student(
        personas,
        standard_photos[0],
        status=RecordStatus.GRADUATED,
        expected_graduation_on=dt.date(2025, 7, 1),
    )
    new_photo, _ = store_content_addressed(standard_photos[1], folder="corrections", extension="jpg")
    app = application(
        personas,
        FormType.REPLACE_PHOTO,
        record,
        new_photo=new_photo,
        fee=Decimal("50"),
        reason="采集时拍错照片",
    )

    pdf = application_pdf(app)

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "学信网电子照片修改申请表" in text
    assert record.name in text and record.id_number in text
    assert "50.00 元" in text
    assert "毕业时间" in text and "2025年7月1日" in text
    assert "正确的电子照片" in text and "毕业证扫描件" in text
    assert "共 1 页" in text
    image = page_one(pdf, tmp_path)
    image.save(artifacts / "form-b.png")
    assert_looks_like_a_form(image, photos=2)


def test_urls_in_fields_are_text_and_never_fetched(
    personas: Personas, no_network: None, tmp_path: Path
) -> None:
    record = student(personas)
    app = application(
        personas,
        FormType.FIX_IDENTITY,
        record,
        reason=URL_REASON,
        wrong_name='<link href="file:///etc/x">',
    )

    html = application_html(app)
    assert "&lt;img src=http://example.com/x&gt;" in html
    assert "<img src=http" not in html and "<link rel" not in html
    fetcher = DataOnlyFetcher()
    pdf = application_pdf(app, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert fetcher.refused == []
    if shutil.which("pdftotext"):
        assert "<img src=http://example.com/x>" in pdf_text(pdf, tmp_path)


def test_fetcher_refuses_everything_but_data_uris(no_network: None) -> None:
    fetcher = DataOnlyFetcher()
    for url in ("http://example.com/x", "https://example.com/x.css", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError, match="only data: URIs"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4
    assert fetcher.fetch("data:text/plain;base64,5L2g5aW9").read() == "你好".encode()

    html = (
        '<link rel="stylesheet" href="http://example.com/s.css">'
        '<p style="background: url(file:///etc/passwd)">x</p><img src="https://example.com/x.png">'
    )
    fetcher = DataOnlyFetcher()
    assert render_pdf(html, fetcher).startswith(b"%PDF")
    assert sorted(fetcher.refused) == [
        "file:///etc/passwd",
        "http://example.com/s.css",
        "https://example.com/x.png",
    ]


@pytest.mark.parametrize(
    ("form_type", "title"),
    [
        (FormType.DELETE_VERDICT, "图像采集信息修改申请表"),
        (FormType.FIX_IDENTITY, "图像采集信息修改申请表"),
        (FormType.GRADUATED_UNLINKED, "学信网电子照片修改申请表"),
        (FormType.RECOLLECTION, "重新采集申请表"),
        (FormType.STATUS_ERRATUM, "学籍信息勘误申请表"),
    ],
)
def test_every_form_type_renders(
    personas: Personas, standard_photos: list[bytes], no_network: None, form_type: str, title: str
) -> None:
    record = student(personas, standard_photos[0])
    photo = record.photos.get()
    now = timezone.now()
    conclusion = Conclusion.objects.create(
        record=record,
        photo=photo,
        verdict="wrong",
        wrong_reason="not_swapped",
        first_at=now - dt.timedelta(days=3),
        window_ends_at=now - dt.timedelta(days=2),
        updated_at=now,
    )
    app = application(
        personas,
        form_type,
        record,
        conclusion=conclusion if form_type == FormType.DELETE_VERDICT else None,
        wrong_name="张三丰",
        wrong_id_number="11010519491231002X",
        erratum={"name": "李四", "enrolled_on": "2023-03-01"},
        reason="说明",
    )

    html = application_html(app)
    assert f"<h1>{title}</h1>" in html
    assert record.id_number in html
    if form_type == FormType.DELETE_VERDICT:
        assert "照片错误（照片有误，非互换）" in html
    if form_type == FormType.FIX_IDENTITY:
        assert "张三丰" in html and "11010519491231002X" in html
    if form_type == FormType.STATUS_ERRATUM:
        assert record.name in html and "李四" in html and "2023-09-01" in html and "2023-03-01" in html
    fetcher = DataOnlyFetcher()
    assert application_pdf(app, fetcher=fetcher).startswith(b"%PDF")
    assert fetcher.refused == [] and fetcher.served >= 1


def test_a_missing_photo_file_prints_an_empty_box(personas: Personas, standard_photos: list[bytes]) -> None:
    record = student(personas, standard_photos[0])
    app = application(personas, FormType.REPLACE_PHOTO, record, new_photo="corrections/missing.jpg")

    html = application_html(app)

    assert html.count("data:image/jpeg;base64,") == 1
    assert "无照片" in html
    assert application_pdf(app).startswith(b"%PDF")
