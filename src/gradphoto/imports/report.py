"""The XLSX report of an import: the summary, every row error, and what the file held beside its rows
(photos no manifest row names, admission photos that were not used); safe to open in Excel."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from gradphoto.common.export import excel_safe

from .models import ImportJob

HEADERS = ("行号 row", "字段 field", "代码 code", "说明 message")
# Summary keys as shown: Chinese first, the JSON key after it (the --json summary uses the same keys).
LABELS = {
    "created": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "rejected": "拒绝",
    "linked": "已关联",
    "duplicate": "重复采集",
    "unlinked": "未关联",
    "unknown_columns": "已忽略的列",
    "unlisted_files": "清单未列出的文件",
    "accounts_relinked": "重新关联的账户",
    "photos_linked": "关联的照片",
    "admission_photos": "录取照片",
    "admission_problems": "未使用的录取照片",
}
_PROBLEM_KEYS = ("file", "code", "message")
LISTS = {  # list-valued summary keys written on a sheet of their own: sheet name, columns
    "unlisted_files": ("unlisted files", ("文件 file",)),
    "admission_problems": ("admission photos", ("文件 file", "代码 code", "说明 message")),
}


def _cell(value: Any) -> Any:
    if isinstance(value, list):  # names joined; records (admission problems) counted, listed on their sheet
        texts = all(isinstance(v, str) for v in value)
        return excel_safe("、".join(value)) if texts else len(value)
    return excel_safe(value if isinstance(value, int | float | str) or value is None else str(value))


def report_xlsx(job: ImportJob) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "summary"
    sheet.append(["文件 file", excel_safe(job.filename)])
    sheet.append(["状态 status", job.status])
    for key, value in job.summary.items():
        sheet.append([f"{LABELS.get(key, key)} {key}", _cell(value)])
    if job.file_error:
        sheet.append(["文件错误 file error", excel_safe(job.file_error.get("message", ""))])
    errors = book.create_sheet("errors")
    errors.append(list(HEADERS))
    for error in job.errors:
        errors.append([error["row"], *(excel_safe(error[k]) for k in ("field", "code", "message"))])
    for key, (title, columns) in LISTS.items():
        if items := job.summary.get(key):
            extra = book.create_sheet(title)
            extra.append(list(columns))
            for item in items:
                values = [item] if isinstance(item, str) else [item.get(k, "") for k in _PROBLEM_KEYS]
                extra.append([excel_safe(v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
