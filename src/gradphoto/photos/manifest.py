"""Photo batch manifest rows (图像采集批次, PRODUCT.md "Interchange formats"): validation before import.

Pure functions, no database. The name and ID number are as typed at collection and may be wrong
(DOMAIN BR-D7): the ID is normalised but its checksum is not checked (it is kept for linking); only a
value that cannot be an ID number at all, or that Excel has already damaged, is an error.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from gradphoto.common import idnumber
from gradphoto.common.rowcheck import RowCheck
from gradphoto.common.tabular import EMPTY, Column, RowError, Table

__all__ = ["MANIFEST_COLUMNS", "ManifestRow", "RowError", "validate_manifest_rows"]

MANIFEST_COLUMNS: list[Column] = [
    Column("CJH", "采集号", True),
    Column("CJM", "采集码", False),
    Column("YXDM", "院校代码", True),
    Column("XH", "学号", False),
    Column("XM", "姓名", True),
    Column("SFZH", "身份证号", True),
    Column("CJRQ", "采集日期", True),
    Column("ZPWJ", "照片文件名", True),
]
LABELS = {c.code: c.label for c in MANIFEST_COLUMNS}
_SCHOOL_CODE = re.compile(r"[0-9]{5}")
# As typed at collection, may be wrong (PRODUCT.md): a mistyped 身份证号 (a digit missing or extra), or the
# number of a passport or permit (学籍 keeps those as typed); a name or a stray word is not a number.
_ID_SHAPE = re.compile(r"[0-9A-Za-z]{6,20}")
_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One valid manifest row; name and id_number as typed at collection (id normalised only)."""

    row: int
    collection_no: str
    collection_code: str
    school_code: str
    student_no: str
    name: str
    id_number: str
    collected_on: dt.date
    filename: str


def validate_manifest_rows(table: Table, *, today: dt.date) -> tuple[list[ManifestRow], list[RowError]]:
    """Every row checked in full; rows with any error are left out, their errors reported (PRODUCT.md)."""
    rows: list[ManifestRow] = []
    errors: list[RowError] = []
    first_no: dict[str, int] = {}
    first_file: dict[str, int] = {}
    for number, cells in table.rows:
        check = RowCheck(number, cells, LABELS)
        row = _manifest_row(check, today)
        _duplicates(check, first_no, first_file)
        if check.errors or row is None:
            errors.extend(check.errors)
        else:
            rows.append(row)
    return rows, errors


def _manifest_row(check: RowCheck, today: dt.date) -> ManifestRow | None:
    """All field checks of one row; None when any failed."""
    # Codes are text, full width folded; a whole number under 10^15 is shown whole by Excel and kept, a
    # larger one (2.0261E+17 once Excel shows it) has lost its digits and is refused.
    collection_no = check.identifier("CJH", required=True, limit=40, whole_numbers=True) or ""
    collection_code = check.identifier("CJM", required=False, limit=64, whole_numbers=True) or ""
    school = _school(check)
    student_no = check.identifier("XH", required=False) or ""
    name = check.required("XM")
    check.max_length("XM", name, 40)
    id_number = _id_number(check)
    collected = check.date("CJRQ", required=True)
    if collected is not None and collected > today:
        check.fail("CJRQ", "collected_in_future", f"采集日期 {collected.isoformat()} 晚于今天")
    filename = _filename(check)
    if check.errors or collected is None:
        return None
    return ManifestRow(
        row=check.row,
        collection_no=collection_no,
        collection_code=collection_code,
        school_code=school,
        student_no=student_no,
        name=name,
        id_number=id_number,
        collected_on=collected,
        filename=filename,
    )


def _school(check: RowCheck) -> str:
    """`school_code`: 院校代码 must be 5 digits."""
    code = check.required("YXDM")
    if code and not _SCHOOL_CODE.fullmatch(code):
        check.fail("YXDM", "school_code", f"院校代码“{code}”应为 5 位数字")
    return code


def _id_number(check: RowCheck) -> str:
    """Normalised only (full-width, x → X, spaces); `id_format` unless 6–20 letters or digits."""
    raw = check.identifier("SFZH", required=True, limit=10_000)
    if raw is None:
        return ""
    number = idnumber.normalise(raw)
    if not _ID_SHAPE.fullmatch(number):
        check.fail(
            "SFZH",
            "id_format",
            "身份证号应为 6–20 位数字或字母（18 位或 15 位身份证号，或护照、港澳台证件号码，按采集时所填）",
        )
    return number


def _filename(check: RowCheck) -> str:
    """`bad_filename`: a relative path inside the ZIP to a .jpg/.jpeg (REQ-ZIP-04)."""
    name = check.required("ZPWJ")
    if not name:
        return name
    problem = filename_problem(name)
    if problem:
        check.fail("ZPWJ", "bad_filename", f"照片文件名“{name}”{problem}")
    return name


def filename_problem(name: str) -> str:
    """Why a manifest file name is unsafe or not a JPEG ("" when it is fine): REQ-ZIP-04."""
    if "\\" in name:
        return "不能包含反斜杠“\\”，目录请用“/”分隔"
    if name.startswith("/") or _DRIVE.match(name):
        return "必须是压缩包内的相对路径，不能以“/”或盘符开头"
    if ".." in name.split("/"):
        return "不能包含“..”"
    if _CONTROL.search(name):
        return "含有不可见的控制字符"
    if len(name) > 200:
        return "过长（最多 200 个字符）"
    if not name.lower().endswith((".jpg", ".jpeg")):
        return "必须是 .jpg 或 .jpeg 照片"
    return ""


def _duplicates(check: RowCheck, first_no: dict[str, int], first_file: dict[str, int]) -> None:
    """`duplicate_key` (采集号 again) and `duplicate_file` (same file again, NFC + case-folded: ZIP-06)."""
    cell = check.cells.get("CJH", EMPTY)
    damaged = cell.numeric and not cell.text.isdigit()  # refused already: its text is not the number
    collection_no = "" if damaged else unicodedata.normalize("NFKC", cell.text)  # as identifier() reads it
    if collection_no:
        first = first_no.setdefault(collection_no, check.row)
        if first != check.row:
            check.fail(
                "CJH", "duplicate_key", f"采集号 {collection_no} 在文件中重复（第一次出现在第 {first} 行）"
            )
    filename = check.text("ZPWJ")
    if filename:
        first = first_file.setdefault(unicodedata.normalize("NFC", filename).casefold(), check.row)
        if first != check.row:
            check.fail("ZPWJ", "duplicate_file", f"照片文件 {filename} 已在第 {first} 行列出")
