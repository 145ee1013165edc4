"""The fixed rules of diploma registration and verification, in one place (DOMAIN.md §10, §13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# 层次 as 学籍 files spell it → the two-digit level code of the certificate number (DOMAIN.md §10.1).
LEVEL_CODES: dict[str, str] = {
    "博士研究生": "01",
    "博士": "01",
    "硕士研究生": "02",
    "硕士": "02",
    "第二学士学位": "04",
    "本科": "05",
    "专升本": "05",
    "高起本": "05",
    "专科起点本科": "05",
    "高中起点本科": "05",
    "专科": "06",
    "专科(高职)": "06",
    "专科（高职）": "06",
    "高职": "06",
    "高起专": "06",
    "高中起点专科": "06",
}

# Reason codes of the registration gate (DOMAIN.md §15.5) with the message schools read, in Chinese
# like the row errors of the 学籍 import.
GATE_MESSAGES: dict[str, Promise] = {
    "unknown_student_no": _("No status record of this school has this student number"),
    "not_registered": _("The status is not “registered” (注册学籍): the diploma cannot be registered"),
    "no_photo": _("No diploma photo is linked to the status record"),
    "no_verdict": _(
        "The student has not checked the photo (no “photo correct” verdict); "
        "if the school has checked the photo, it may register with a note"
    ),
    "verdict_wrong": _(
        "The student's verdict is “photo wrong”: a correction application must settle it first"
    ),
    "face_not_checked": _("There is an admission photo, but the face comparison has not finished"),
    "face_failed": _(
        "The identity check failed (the faces do not match): the school must "
        "check the identity and file the result of its recheck"
    ),
    "face_uncertain": _(
        "The identity check is uncertain: the school must check the identity "
        "and file the result of its recheck"
    ),
    "face_no_face": _(
        "The identity check failed to run (no face found in a photo): the "
        "school must check the identity and file the result of its recheck"
    ),
    "level_unknown": _("The level has no level code for the certificate number"),
    "missing_graduation_date": _("The graduation date is missing"),
    "bad_graduation_date": _("The graduation date is before the enrolment date, or its year is not valid"),
    "missing_president": _("The school settings lack the president's name"),
    "incomplete_data": _("The diploma data are incomplete"),
    "photo_changed": _("The photo changed during registration: register again"),
    "photo_unreadable": _("The diploma photo file cannot be read"),
    "serials_exhausted": _("The certificate serial numbers of this year and level are used up"),
    "numeric_cell": _("The student number is a numeric cell: enter it as text"),
}

FACE_CODES = {"failed": "face_failed", "uncertain": "face_uncertain", "no_face": "face_no_face"}

# 学历数据 every diploma carries (BR-G2), with the labels of 学历信息.
REQUIRED_FIELDS: dict[str, str] = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "major": "专业",
    "level": "层次",
    "study_mode": "学习形式",
    "length_years": "学制",
    "enrolled_on": "入学日期",
}

# Diploma fields a school may change: before publication freely, afterwards only by an erratum.
EDITABLE_FIELDS: dict[str, str] = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "major": "专业",
    "study_mode": "学习形式",
    "length_years": "学制",
    "enrolled_on": "入学日期",
    "completion": "毕（结）业",
    "president_name": "校（院）长姓名",
    "remarks": "备注",
}

CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CODE_LENGTH = 16
FIRST_CERTIFICATE_YEAR = 2001  # §10.1: the 18-digit scheme starts in 2001/2002
BATCH_LIMIT = 20  # BR-H5: lines beyond are 未核对

DEFAULTS: dict[str, Any] = {
    "REPORT_VALIDITY_DAYS": (30, 60, 90, 180),  # §13: 30–180 days, holder's choice
    "REPORT_EXTEND_WITHIN_DAYS": 30,  # §6.6: within one month before expiry, or after it
    "VERIFY_LOOKUPS_PER_WINDOW": 20,  # per address, batch lines counted one by one
    "VERIFY_WINDOW_MINUTES": 10,
    "REGISTRATION_CHUNK": 500,  # records per transaction
}


def setting(name: str) -> Any:
    """settings.GRADPHOTO[name] when the deployment sets it, else the default above."""
    return getattr(settings, "GRADPHOTO", {}).get(name, DEFAULTS[name])


def validity_options() -> tuple[int, ...]:
    return tuple(setting("REPORT_VALIDITY_DAYS"))


def extend_window() -> dt.timedelta:
    return dt.timedelta(days=int(setting("REPORT_EXTEND_WITHIN_DAYS")))


def lookup_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(setting("VERIFY_WINDOW_MINUTES")))


def gate_message(code: str, detail: str = "") -> str:
    """Lazy: in the language active where it is shown (a page in English reads English); what is kept
    (a batch's refusals, files, the API, the command line) is made Chinese with `stored_message`."""
    message = GATE_MESSAGES.get(code, code)
    return format_lazy("{}：{}", message, detail) if detail else message  # type: ignore[return-value]


def stored_message(message: str) -> str:
    """A gate message as it is kept in rows, files and API answers: Chinese, whoever pressed the button."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)
