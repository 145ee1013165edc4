"""The XLSX report of an import: the summary, every row error, what the file held beside its rows
(photos no manifest row names, admission photos that were not used) and, for a photo batch, every photo it
created with its link state now; safe to open in Excel. Chinese first, each code beside its label."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from openpyxl import Workbook

from gradphoto.common.export import excel_safe

from .batch import EXPIRED, batch_photos
from .explain import english, field_label
from .models import ImportJob, JobStatus

HEADERS = ("行号 row", "字段 field", "代码 code", "说明 message", "英文说明 explanation")
PHOTO_HEADERS = ("采集号 CJH", "清单行号 manifest row", "关联结果 link", "代码 code")
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
    "warnings": "已导入但需核对的行",
    "identical_photos": "完全相同的照片（采集号）",
    "accounts_relinked": "重新关联的账户",
    "photos_linked": "关联的照片",
    "admission_photos": "录取照片",
    "admission_problems": "未使用的录取照片",
}
_PROBLEM_KEYS = ("file", "code", "message")
LISTS = {  # list-valued summary keys written on a sheet of their own: sheet name, columns
    "unlisted_files": ("unlisted files", ("文件 file",)),
    "identical_photos": ("identical photos", ("采集号 CJH（同一照片文件）",)),
    "admission_problems": ("admission photos", ("文件 file", "代码 code", "说明 message")),
}


def _cell(value: Any) -> Any:
    if isinstance(value, list):  # names joined; records (admission problems) counted, listed on their sheet
        texts = all(isinstance(v, str) for v in value)
        return excel_safe("、".join(value)) if texts else len(value)
    return excel_safe(value if isinstance(value, int | float | str) or value is None else str(value))


def report_xlsx(job: ImportJob) -> bytes:
    """Every sheet of the report; labels in Chinese whatever the language of the page that asked."""
    book = Workbook()
    with translation.override("zh-hans"):
        _summary(book, job)
        _errors(book, job)
        _lists(book, job)
        _photos(book, job)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _labelled(label: Any, code: str) -> str:
    return f"{label} ({code})"


def _summary(book: Workbook, job: ImportJob) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = "summary"
    sheet.append(["文件 file", excel_safe(job.filename)])
    sheet.append(["状态 status", _labelled(JobStatus(job.status).label, job.status)])
    for key, value in job.summary.items():
        sheet.append([f"{LABELS.get(key, key)} {key}", _cell(value)])
    if job.file_error:
        code = job.file_error.get("code", "")
        sheet.append(["文件错误 file error", excel_safe(job.file_error.get("message", ""))])
        sheet.append(["错误代码 code", excel_safe(code)])
        sheet.append(["英文说明 explanation", english(code)])


def _errors(book: Workbook, job: ImportJob) -> None:
    """The row errors; the row warnings (rows imported anyway) on a sheet of their own when there are any."""
    for title, rows in (("errors", job.errors), ("warnings", job.summary.get("warnings"))):
        if title == "errors" or rows:
            sheet = book.create_sheet(title)
            sheet.append(list(HEADERS))
            for error in rows or []:
                texts = (field_label(error["field"]), error["code"], error["message"])
                sheet.append([error["row"], *(excel_safe(t) for t in texts), english(error["code"])])


def _lists(book: Workbook, job: ImportJob) -> None:
    for key, (title, columns) in LISTS.items():
        if items := job.summary.get(key):
            extra = book.create_sheet(title)
            extra.append(list(columns))
            for item in items:
                values = [item] if isinstance(item, str) else [item.get(k, "") for k in _PROBLEM_KEYS]
                extra.append([excel_safe(v) for v in values])


def _photos(book: Workbook, job: ImportJob) -> None:
    """A photo batch: each photo it created, its manifest row, and whether it is linked now."""
    from gradphoto.photos.models import LinkState

    if job.status != JobStatus.DONE or not (photos := batch_photos(job)):
        return
    sheet = book.create_sheet("photos")
    sheet.append(list(PHOTO_HEADERS))
    for photo in photos:
        if photo.link_state == EXPIRED:
            sheet.append([excel_safe(photo.collection_no), photo.row, "超过保留期已删除", EXPIRED])
            continue
        state = LinkState(photo.link_state)
        sheet.append([excel_safe(photo.collection_no), photo.row, str(state.label), state.value])
