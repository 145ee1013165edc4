"""The XLSX report of an import: the summary and every row error, safe to open in Excel."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from .models import ImportJob

HEADERS = ("行号 row", "字段 field", "代码 code", "说明 message")


def _safe(value: Any) -> Any:
    """Cells that Excel would run as a formula are written as text (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_xlsx(job: ImportJob) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "summary"
    sheet.append(["文件 file", _safe(job.filename)])
    sheet.append(["状态 status", job.status])
    for key, value in job.summary.items():
        sheet.append([key, _safe(value if isinstance(value, int | float | str) else str(value))])
    if job.file_error:
        sheet.append(["文件错误 file error", _safe(job.file_error.get("message", ""))])
    errors = book.create_sheet("errors")
    errors.append(list(HEADERS))
    for error in job.errors:
        errors.append([error["row"], _safe(error["field"]), _safe(error["code"]), _safe(error["message"])])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
