"""The online verification report as a PDF (教育部学历证书电子注册备案表, DOMAIN.md §5.8) with its QR code.

Rendered offline like the correction forms (`corrections/pdf.py`): the frozen photo and the QR code are
inlined as data: URIs and the URL fetcher refuses everything else. The ID number is not printed.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import segno
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from gradphoto.corrections.pdf import DataOnlyFetcher, render_pdf

from .models import VerificationReport

logger = logging.getLogger(__name__)

TEMPLATE = "graduation/report_pdf.html"
MAX_PHOTO_BYTES = 2 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"


def qr_svg_data_uri(url: str) -> str:
    """A QR code of the public URL as an SVG data: URI (segno, pure Python)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def frozen_photo_data_uri(name: str) -> str | None:
    """The frozen diploma photo (a JPEG checked at import) as a data: URI; None if it cannot be read."""
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read(MAX_PHOTO_BYTES + 1)
    except OSError:
        logger.warning("Frozen photo %s could not be read for a report", name)
        return None
    if len(data) > MAX_PHOTO_BYTES or not data.startswith(JPEG_MAGIC):
        logger.warning("Frozen photo %s is not a small JPEG", name)
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def report_context(report: VerificationReport, public_url: str) -> dict[str, Any]:
    diploma = report.diploma
    return {
        "report": report,
        "diploma": diploma,
        "public_url": public_url,
        "qr": qr_svg_data_uri(public_url),
        "photo": frozen_photo_data_uri(diploma.photo_file),
        "valid_until": timezone.localtime(report.valid_until),
        "created_at": timezone.localtime(report.created_at),
    }


def report_pdf(
    report: VerificationReport, *, public_url: str, fetcher: DataOnlyFetcher | None = None
) -> bytes:
    """The report as an A4 PDF (bytes starting with ``%PDF``), always in Chinese like the paper form."""
    with translation.override("zh-hans"):
        html = render_to_string(TEMPLATE, report_context(report, public_url))
    return render_pdf(html, fetcher)
