"""The fixed rules of diploma registration and verification, in one place (DOMAIN.md §10, §13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

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
GATE_MESSAGES: dict[str, str] = {
    "unknown_student_no": "本校没有该学号的学籍",
    "not_registered": "学籍状态不是“注册学籍”，不能进行学历注册",
    "no_photo": "学籍没有关联的学历照片",
    "no_verdict": "学生尚未校对照片（没有“照片正确”的校对结论）；如学校已核实照片，可填写说明后注册",
    "verdict_wrong": "学生的校对结论为“照片错误”，须先通过修改申请处理",
    "face_not_checked": "有录取照片，但人像比对尚未完成",
    "face_failed": "身份核验未通过（人像比对不一致），须学校核实身份后提交复核结果备案",
    "face_uncertain": "身份核验不确定，须学校核实身份后提交复核结果备案",
    "face_no_face": "身份核验异常（照片中未检测到人脸），须学校核实身份后提交复核结果备案",
    "level_unknown": "层次无法对应证书编号的层次代码",
    "missing_graduation_date": "缺少毕业日期",
    "bad_graduation_date": "毕业日期早于入学日期或年份无效",
    "missing_president": "学校设置中缺少校（院）长姓名",
    "incomplete_data": "学历数据不完整",
    "photo_changed": "注册过程中照片发生变化，请重新注册",
    "photo_unreadable": "学历照片文件无法读取",
    "serials_exhausted": "该年度该层次的证书顺序号已用完",
    "numeric_cell": "学号是数值单元格，请以文本格式填写",
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
    message = GATE_MESSAGES.get(code, code)
    return f"{message}：{detail}" if detail else message
