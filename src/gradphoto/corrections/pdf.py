"""The printable paper form of a correction application (DOMAIN.md §5.6): a pre-filled A4 PDF.

The learning centre prints it, the student signs, the centre stamps it and the university writes its
decision on it. Form A (图像采集信息修改申请表) and Form B (学信网电子照片修改申请表) follow the field
proposals of §5.6; re-collection and status-erratum requests get a form of the same shape.

This is the official form the school checks, so the ID numbers are printed in full (not masked).
Rendering is offline: everything (photos included) is inlined, and the URL fetcher refuses every URL that
is not a ``data:`` URI, so nothing in a field can make WeasyPrint reach the network or the file system.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import logging
import urllib.parse
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import StudentRecord

from .models import Application, FormType

logger = logging.getLogger(__name__)

TEMPLATE = "corrections/form_pdf.html"
TITLES: dict[str, str] = {
    FormType.SWAP: "图像采集信息修改申请表",
    FormType.DELETE_VERDICT: "图像采集信息修改申请表",
    FormType.FIX_IDENTITY: "图像采集信息修改申请表",
    FormType.REPLACE_PHOTO: "学信网电子照片修改申请表",
    FormType.GRADUATED_UNLINKED: "学信网电子照片修改申请表",
    FormType.RECOLLECTION: "重新采集申请表",
    FormType.STATUS_ERRATUM: "学籍信息勘误申请表",
}
# 申请类型 of the forms without choices.
KIND_LABELS: dict[str, str] = {FormType.RECOLLECTION: "重新采集", FormType.STATUS_ERRATUM: "学籍信息勘误"}
# The ticked 申请类型 of Form A and 修改类型 of Form B.
CASE_CHOICES: dict[str, list[tuple[str, str]]] = {
    "A": [
        (FormType.SWAP, "两名学生的照片互换"),
        (FormType.DELETE_VERDICT, "误点校对结论且已超过24小时，申请删除校对结论"),
        (FormType.FIX_IDENTITY, "采集信息中的姓名或身份证号有误，照片无法关联"),
    ],
    "B": [
        (FormType.REPLACE_PHOTO, "照片有误（非互换），申请更换电子照片"),
        (FormType.GRADUATED_UNLINKED, "已毕业，照片未关联"),
    ],
}
# Status-record fields a status erratum may correct, with the labels of 学籍信息.
ERRATUM_LABELS: dict[str, str] = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "id_type": "证件类型",
    "id_number": "身份证号",
    "ethnicity": "民族",
    "student_no": "学号",
    "exam_no": "考生号",
    "level": "层次",
    "major": "专业",
    "study_mode": "学习形式",
    "length_years": "学制",
    "enrolled_on": "入学日期",
    "expected_graduation_on": "预计毕业日期",
    "status": "学籍状态",
}
VERDICT_LABELS = {"correct": "照片正确", "wrong": "照片错误"}
WRONG_REASON_LABELS = {
    "swapped": "与其他学生照片互换",
    "not_swapped": "照片有误，非互换",
    "status_data": "学籍信息有误",
}

# Photos are embedded as they are when they are small JPEG/PNG files (the standard 480×640 e-photo is
# 20–40 KB); anything else is decoded, shrunk and re-encoded so that one odd file cannot bloat the PDF.
EMBED_AS_IS_BYTES = 512 * 1024
EMBED_AS_IS_PIXELS = 1200
EMBED_BOX = (480, 640)
MAX_READ_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000

# Column widths (mm) of the form's grid; the printable width of A4 with 15 mm margins is 180 mm.
PAGE_WIDTH_MM = 180
LABEL_MM = 20


class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that serves ``data:`` URIs itself and refuses every other URL.

    ``refused`` keeps the URLs it refused (for tests and logs); a refusal is a warning in WeasyPrint,
    so the form still renders, without that resource.
    """

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []
        self.served = 0

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.startswith("data:"):
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %.200s", url)
            raise ValueError("only data: URIs are allowed in application forms")
        header, comma, payload = url[5:].partition(",")
        if not comma:
            raise ValueError("malformed data: URI")
        parts = header.split(";")
        mime = parts[0].strip() or "text/plain"
        try:
            if "base64" in (p.strip().lower() for p in parts[1:]):
                body = base64.b64decode(urllib.parse.unquote(payload), validate=False)
            else:
                body = urllib.parse.unquote_to_bytes(payload)
        except (binascii.Error, ValueError) as e:
            raise ValueError("malformed data: URI") from e
        self.served += 1
        return URLFetcherResponse(url, body, {"Content-Type": mime})


def _image_data_uri(data: bytes) -> str | None:
    """A data: URI of a decodable JPEG or PNG for ``data``, or None when it is not a readable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.load()
                if (
                    image.format in ("JPEG", "PNG")
                    and len(data) <= EMBED_AS_IS_BYTES
                    and max(image.size) <= EMBED_AS_IS_PIXELS
                ):
                    mime = "image/jpeg" if image.format == "JPEG" else "image/png"
                else:
                    image.thumbnail(EMBED_BOX)
                    buffer = io.BytesIO()
                    image.convert("RGB").save(buffer, "JPEG", quality=88)
                    data, mime = buffer.getvalue(), "image/jpeg"
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _stored_image(name: str) -> str | None:
    """The stored file ``name`` as an image data: URI; None (and a log line) when missing or unreadable."""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read(MAX_READ_BYTES + 1)
    except OSError:
        logger.warning("Photo file %s could not be read for an application form", name)
        return None
    if len(data) > MAX_READ_BYTES:
        logger.warning("Photo file %s is too large for an application form", name)
        return None
    uri = _image_data_uri(data)
    if uri is None:
        logger.warning("Photo file %s is not a readable image", name)
    return uri


@dataclass
class PhotoBox:
    label: str
    uri: str | None


@dataclass
class Person:
    heading: str
    name: str
    sex: str
    id_number: str
    student_no: str
    school: str
    level: str
    major: str
    study_mode: str
    enrolled_on: dt.date | None
    centre: str
    status: str
    graduated: bool
    graduated_on: dt.date | None
    photos: list[PhotoBox] = field(default_factory=list)


def _linked_photo(record: StudentRecord) -> Photo | None:
    return (
        Photo.objects.filter(record=record, link_state=LinkState.LINKED).order_by("-linked_at", "-pk").first()
    )


def _same(a: Photo | None, b: Photo | None) -> bool:
    return a is not None and b is not None and a.pk == b.pk


def _photo_box(label: str, photo: Photo | None) -> PhotoBox:
    return PhotoBox(label, _stored_image(photo.file) if photo is not None else None)


def _person(heading: str, record: StudentRecord, centre: Any, photos: list[PhotoBox]) -> Person:
    return Person(
        heading=heading,
        name=record.name,
        sex=record.sex,
        id_number=record.id_number,
        student_no=record.student_no,
        school=record.school.name,
        level=record.level,
        major=record.major,
        study_mode=record.study_mode,
        enrolled_on=record.enrolled_on,
        centre=centre.name if centre is not None else "",
        status=str(record.display_status),
        graduated=record.is_graduated,
        graduated_on=record.expected_graduation_on if record.is_graduated else None,
        photos=photos,
    )


def _main_photos(application: Application) -> list[PhotoBox]:
    """The applicant's photo(s) shown beside the identity block, labelled for the case."""
    record = application.record
    linked = _linked_photo(record)
    kind = application.form_type
    if kind == FormType.DELETE_VERDICT:
        photo = application.conclusion.photo if application.conclusion else (application.photo or linked)
        return [_photo_box("校对的照片", photo)]
    if kind == FormType.FIX_IDENTITY:
        photo = application.photo or linked
        return [_photo_box("当前照片" if _same(photo, linked) else "采集照片", photo)]
    if application.paper_form == "B":
        photo = linked or application.photo
        label = "当前电子照片" if _same(photo, linked) else "采集照片（未关联）"
        new = PhotoBox("正确的电子照片", _stored_image(application.new_photo))
        return [_photo_box(label, photo), new]
    return [_photo_box("当前照片", linked)]


def _value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d}" if timezone.is_aware(value) else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _erratum_rows(application: Application) -> list[tuple[str, str, str]]:
    """(label, current value, corrected value) for each field of a status erratum."""
    record = application.record
    rows = []
    erratum = application.erratum if isinstance(application.erratum, dict) else {}
    for key, new in erratum.items():
        if key == "status":
            old: Any = record.display_status
        else:
            old = getattr(record, key, "") if key in ERRATUM_LABELS else ""
        rows.append((ERRATUM_LABELS.get(key, str(key)), _value_text(old), _value_text(new)))
    return rows


def _verdict_text(application: Application) -> str:
    conclusion = application.conclusion
    if conclusion is None:
        return ""
    text = VERDICT_LABELS.get(conclusion.verdict, conclusion.verdict)
    if conclusion.wrong_reason:
        text += f"（{WRONG_REASON_LABELS.get(conclusion.wrong_reason, conclusion.wrong_reason)}）"
    return text


def application_number(application: Application) -> str:
    """The number printed on the form: the application's id, zero-padded to six digits."""
    return f"{application.pk:06d}"


def form_context(application: Application) -> dict[str, Any]:
    """What the template needs; every value is plain data (the template escapes it)."""
    kind = application.form_type
    paper = application.paper_form
    main = _person(
        "申请学生信息",
        application.record,
        application.centre or application.record.learning_centre,
        _main_photos(application),
    )
    people = [main]
    if kind == FormType.SWAP and application.counterpart is not None:
        counterpart = application.counterpart
        people.append(
            _person(
                "互换学生信息",
                counterpart,
                counterpart.learning_centre,
                [_photo_box("当前照片", _linked_photo(counterpart))],
            )
        )
    photo_columns = max(len(p.photos) for p in people)
    photo_mm = 40 * photo_columns + 4
    value_mm = (PAGE_WIDTH_MM - photo_mm - 2 * LABEL_MM) // 2
    conclusion = application.conclusion
    fee = application.fee or Decimal(0)
    return {
        "title": TITLES.get(kind, "申请表"),
        "paper_form": paper,
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, ""),
        "choices": [(label, value == kind) for value, label in CASE_CHOICES.get(paper, [])],
        "number": application_number(application),
        "created_at": application.created_at,
        "people": people,
        "main": main,
        "photo_columns": photo_columns,
        "widths": {"label": LABEL_MM, "value": value_mm, "photo": photo_mm},
        "is_swap": kind == FormType.SWAP,
        "is_delete": kind == FormType.DELETE_VERDICT,
        "is_fix": kind == FormType.FIX_IDENTITY,
        "is_erratum": kind == FormType.STATUS_ERRATUM,
        "is_graduated_unlinked": kind == FormType.GRADUATED_UNLINKED,
        "verdict": _verdict_text(application),
        "verdict_at": conclusion.first_at if conclusion is not None else None,
        "wrong_name": application.wrong_name,
        "wrong_id_number": application.wrong_id_number,
        "erratum_rows": _erratum_rows(application),
        "reason": application.reason,
        "reason_label": "修改原因" if paper == "B" else "申请原因",
        "fee": f"{fee:.2f}" if fee > 0 else None,
        "has_new_photo": bool(application.new_photo),
    }


def render_pdf(html: str, fetcher: DataOnlyFetcher | None = None) -> bytes:
    """HTML → PDF bytes, offline: only data: URIs are fetched."""
    document = HTML(string=html, base_url=None, url_fetcher=fetcher or DataOnlyFetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def application_html(application: Application) -> str:
    with translation.override("zh-hans"):
        return render_to_string(TEMPLATE, form_context(application))


def application_pdf(application: Application, *, fetcher: DataOnlyFetcher | None = None) -> bytes:
    """The application's paper form as a printable, pre-filled A4 PDF (bytes starting with ``%PDF``)."""
    return render_pdf(application_html(application), fetcher)
