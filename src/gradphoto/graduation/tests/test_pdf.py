"""The online verification report as a PDF: offline rendering, QR code of the public URL, no ID number."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from gradphoto.corrections.pdf import DataOnlyFetcher
from gradphoto.demo.portrait import photo_set
from gradphoto.graduation.models import DiplomaRecord
from gradphoto.graduation.pdf import qr_svg_data_uri, report_context, report_pdf
from gradphoto.graduation.reports import report_create

from .support import graduate, register, set_president

pytestmark = pytest.mark.django_db
URL = "https://gradphoto.example.cn/xueli/verify/ABCDEFGH23456789"


@pytest.fixture
def report(personas):
    set_president(personas.school)
    record, _, student = graduate(personas, name="孙嘉禾")
    register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    return report_create(student=student, diploma_id=diploma.pk, validity_days=90)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("GRADPHOTO_REQUIRE_BROWSER"):
            pytest.fail("GRADPHOTO_REQUIRE_BROWSER is set but pdftotext is missing")
        pytest.skip("pdftotext not on PATH: install the Debian package 'poppler-utils'")
    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_the_qr_code_is_an_inline_svg():
    uri = qr_svg_data_uri(URL)
    assert uri.startswith("data:image/svg+xml")


def test_the_report_renders_offline_with_photo_code_and_qr(report, tmp_path):
    fetcher = DataOnlyFetcher()
    pdf = report_pdf(report, public_url=URL, fetcher=fetcher)
    assert pdf.startswith(b"%PDF") and fetcher.refused == [] and fetcher.served == 2  # photo and QR code
    text = pdf_text(pdf, tmp_path)
    diploma = report.diploma
    for value in ("教育部学历证书电子注册备案表", "孙嘉禾", diploma.certificate_no, report.code, URL):
        assert value in text
    assert diploma.id_number not in text


def test_the_graduate_downloads_the_pdf_with_the_qr_url_of_this_site(client, report):
    client.force_login(report.created_by)
    response = client.get(reverse("graduation:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    context = report_context(
        report, "http://testserver" + reverse("graduation:verify_code", args=[report.code])
    )
    assert context["public_url"].endswith(f"/xueli/verify/{report.code}")


def test_a_standard_photo_is_embedded_as_it_is(personas, tmp_path):
    set_president(personas.school)
    record, _, student = graduate(personas, photo_data=photo_set(1)[0])
    register(personas.alice, [record])
    report = report_create(student=student, diploma_id=record.diploma.pk, validity_days=30)
    context = report_context(report, URL)
    assert context["photo"].startswith("data:image/jpeg;base64,")
    pdf = report_pdf(report, public_url=URL)
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert len(pdf) > 20_000
