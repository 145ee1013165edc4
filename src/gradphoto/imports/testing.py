"""Builders for import files in tests and benchmarks: 学籍 CSV/XLSX and photo-batch ZIPs."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook

RECORD_HEADERS = (
    "院校代码",
    "学号",
    "考生号",
    "姓名",
    "性别",
    "出生日期",
    "证件类型",
    "身份证号",
    "民族",
    "专业名称",
    "层次",
    "学习形式",
    "学制",
    "入学日期",
    "预计毕业日期",
    "学籍状态",
    "学习中心代码",
)
RECORD_CODES = (
    "YXDM",
    "XH",
    "KSH",
    "XM",
    "XB",
    "CSRQ",
    "ZJLX",
    "SFZH",
    "MZ",
    "ZYMC",
    "CC",
    "XXXS",
    "XZ",
    "RXRQ",
    "YJBYRQ",
    "XJZT",
    "XXZXDM",
)
MANIFEST_CODES = ("CJH", "CJM", "YXDM", "XH", "XM", "SFZH", "CJRQ", "ZPWJ")


def record_row(record: Any = None, **values: str) -> dict[str, str]:
    """One 学籍 row keyed by code, from a StudentRecord-like object and overrides."""
    row = {code: "" for code in RECORD_CODES}
    if record is not None:
        row.update(
            YXDM=record.school.code,
            XH=record.student_no,
            XM=record.name,
            XB=record.sex,
            CSRQ=f"{record.birth_date:%Y%m%d}",
            SFZH=record.id_number,
            ZYMC=record.major,
            CC=record.level,
            XXXS=record.study_mode,
            XZ=str(record.length_years),
            RXRQ=f"{record.enrolled_on:%Y%m%d}",
        )
    row.update(values)
    return row


def records_csv(
    rows: Iterable[Mapping[str, str]], *, encoding: str = "utf-8-sig", labels: bool = True
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RECORD_HEADERS if labels else RECORD_CODES)
    for row in rows:
        writer.writerow([row.get(code, "") for code in RECORD_CODES])
    return buffer.getvalue().encode(encoding)


def records_xlsx(rows: Iterable[Mapping[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(RECORD_CODES))
    for row in rows:
        sheet.append([row.get(code, "") for code in RECORD_CODES])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def manifest_csv(rows: Iterable[Mapping[str, str]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MANIFEST_CODES)
    for row in rows:
        writer.writerow([row.get(code, "") for code in MANIFEST_CODES])
    return buffer.getvalue().encode(encoding)


def batch_zip(
    rows: list[Mapping[str, str]], photos: Mapping[str, bytes], *, manifest: bytes | None = None
) -> bytes:
    """A photo batch: manifest.csv at the root and the photos under their ZPWJ names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.csv", manifest if manifest is not None else manifest_csv(rows))
        for name, data in photos.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def photo_row(record: Any, n: int, **values: str) -> dict[str, str]:
    row = {
        "CJH": f"CJ{n:06d}",
        "CJM": "",
        "YXDM": record.school.code,
        "XH": record.student_no,
        "XM": record.name,
        "SFZH": record.id_number,
        "CJRQ": "2026-10-20",
        "ZPWJ": f"photos/{n:06d}.jpg",
    }
    row.update(values)
    return row
