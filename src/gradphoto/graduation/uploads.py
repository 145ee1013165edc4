"""A file of student numbers for registration: one 学号 per line, or CSV/XLSX with the column XH (学号)."""

from __future__ import annotations

from typing import Any

from gradphoto.common.tabular import Column, decode_text, read_table
from gradphoto.organisations.models import Organisation
from gradphoto.records.models import StudentRecord

from .registration import refusal

COLUMNS = [Column("XH", "学号", True)]
MAX_FILE_BYTES = 10 * 1024 * 1024


def student_numbers(data: bytes, filename: str) -> tuple[list[str], list[dict[str, Any]]]:
    """(student numbers in file order, refusals for unusable cells); FileRejected for a bad file."""
    if _tabular(data, filename):
        table = read_table(data, filename, COLUMNS)
        numbers, refused = [], []
        for _row, cells in table.rows:
            cell = cells["XH"]
            if cell.numeric:
                refused.append(refusal(cell.text, "numeric_cell"))
            elif cell.text:
                numbers.append(cell.text)
        return numbers, refused
    text, _encoding = decode_text(data)
    return [line.strip() for line in text.splitlines() if line.strip()], []


def _tabular(data: bytes, filename: str) -> bool:
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".csv")):
        return True
    first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().upper()
    return first in (b"XH", "学号".encode()) or b"," in first


def records_by_student_no(school: Organisation, numbers: list[str]) -> tuple[list[int], list[dict[str, Any]]]:
    """Record ids of the school for the numbers, and a refusal per unknown number."""
    wanted = list(dict.fromkeys(numbers))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 5000):
        part = wanted[start : start + 5000]
        found.update(
            StudentRecord.objects.filter(school=school, student_no__in=part).values_list("student_no", "pk")
        )
    unknown = [refusal(n, "unknown_student_no") for n in wanted if n not in found]
    return [found[n] for n in wanted if n in found], unknown
