"""学籍 rows: validation of a student-status table before import (PRODUCT.md "Interchange formats").

Pure functions, no database. Every error of a row is reported (RowError, Chinese message); a row with
any error is not returned. ID numbers are checked per GB 11643 (DOMAIN.md §11) and never repaired
(RELIABILITY.md REQ-CSV-05): numeric cells, scientific notation and Excel-truncated numbers are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from gradphoto.common import idnumber
from gradphoto.common.idnumber import IdNumberError, ResidentId
from gradphoto.common.rowcheck import HIDDEN, RowCheck
from gradphoto.common.tabular import EMPTY, Column, RowError, Table
from gradphoto.records.models import STATUS_LABELS, RecordStatus

__all__ = ["RECORD_COLUMNS", "RecordRow", "RowError", "validate_record_rows"]

RECORD_COLUMNS: list[Column] = [
    Column("YXDM", "院校代码", True),
    Column("XH", "学号", True),
    Column("KSH", "考生号", False),
    Column("XM", "姓名", True),
    Column("XB", "性别", True),
    Column("CSRQ", "出生日期", True),
    Column("ZJLX", "证件类型", False),
    Column("SFZH", "身份证号", True),
    Column("MZ", "民族", False),
    Column("ZYMC", "专业名称", True),
    Column("CC", "层次", True),
    Column("XXXS", "学习形式", True),
    Column("XZ", "学制", True),
    Column("RXRQ", "入学日期", True),
    Column("YJBYRQ", "预计毕业日期", False),
    Column("XJZT", "学籍状态", False),
    Column("XXZXDM", "学习中心代码", False),
]
LABELS = {c.code: c.label for c in RECORD_COLUMNS}

RESIDENT_ID = "居民身份证"
ID_TYPE_ALIASES = {"身份证": RESIDENT_ID, "中华人民共和国居民身份证": RESIDENT_ID}
DEFAULT_STATUS_LABEL = "注册学籍"
LEVELS = frozenset(
    [
        "博士研究生",
        "硕士研究生",
        "第二学士学位",
        "本科",
        "专科",
        "专科(高职)",
        "专科（高职）",
        "高职",
        "专升本",
        "高起本",
        "高起专",
        # the long forms of the last three, as some offices write them
        "专科起点本科",
        "高中起点本科",
        "高中起点专科",
    ]
)
STUDY_MODES = frozenset(
    ["普通全日制", "全日制", "非全日制", "函授", "业余", "脱产", "半脱产", "网络教育", "开放教育"]
)
LENGTHS = frozenset(
    Decimal(x) for x in ["1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5", "5.5", "6", "7", "8"]
)
_LENGTH = re.compile(r"([0-9]{1,2}(?:\.[0-9]{1,3})?)年?")
_SCHOOL_CODE = re.compile(r"[0-9]{5}")
_NAME_DIGIT_OR_LATIN = re.compile(r"[\dA-Za-zＡ-Ｚａ-ｚ\u00c0-\u024f]")
# A name as a passport writes it: Latin words (accents allowed) joined by one space, hyphen, apostrophe
# or dot; no digits, no double or edge blanks.
_LATIN_LETTER = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin-1 and Extended-A/B, not × ÷
_LATIN_NAME = re.compile(rf"[{_LATIN_LETTER}]+(?:(?: |-|'|\. ?)[{_LATIN_LETTER}]+)*\.?")
EXAM_NO_DIGITS = 14
# Blanks and hidden characters, zero-width ones too (pasted from the web).
_NAME_SPACE_OR_CONTROL = re.compile(rf"[\s{HIDDEN.pattern[1:-1]}]")
_FIELD_LIMITS = {"MZ": 24, "ZYMC": 50, "XXZXDM": 32}


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One valid 学籍 row, ready to import; key (school_code, student_no)."""

    row: int
    school_code: str
    student_no: str
    exam_no: str
    name: str
    sex: str
    birth_date: dt.date
    id_type: str
    id_number: str
    ethnicity: str
    major: str
    level: str
    study_mode: str
    length_years: Decimal
    enrolled_on: dt.date
    expected_graduation_on: dt.date | None
    status: str
    status_label: str
    centre_code: str


def validate_record_rows(
    table: Table, *, school_code: str, today: dt.date
) -> tuple[list[RecordRow], list[RowError]]:
    """Every row checked in full; rows with any error are left out, their errors reported (PRODUCT.md)."""
    rows: list[RecordRow] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        check = RowCheck(number, cells, LABELS)
        record = _record(check, school_code, today)
        _duplicate(check, first_row)
        if check.errors or record is None:
            errors.extend(check.errors)
        else:
            rows.append(record)
    if any(e.field == "SFZH" and e.code in EXCEL_DAMAGE for e in errors):
        rows = _padded_ids_refused(table, rows, errors)
    return rows, errors


# What Excel does to an ID column stored as numbers: every 18-digit ID keeps 15 significant digits.
EXCEL_DAMAGE = frozenset({"numeric_cell", "id_scientific", "id_excel_truncated"})


def _padded_ids_refused(table: Table, rows: list[RecordRow], errors: list[RowError]) -> list[RecordRow]:
    """In a file whose ID column Excel has damaged, a resident ID ending in 000 is refused too, even with
    a right check digit (1 in 11 padded IDs has one): it is the same damage, by chance undetected, and
    the real cause of a sex or birth-date mismatch it may show. In a clean file such an ID is kept: real
    ones end in 000 (about 1 in 1,100)."""
    flagged = {e.row for e in errors if e.field == "SFZH"}
    message = (
        "本文件的身份证号列已被 Excel 截断（见其他行的错误），末三位是 000 的号码无法确认是否完整；"
        "请把该列设为“文本”格式后重新输入"
    )
    padded = set()
    for number, cells in table.rows:
        id_type = ID_TYPE_ALIASES.get(cells.get("ZJLX", EMPTY).text, cells.get("ZJLX", EMPTY).text)
        text = idnumber.normalise(cells.get("SFZH", EMPTY).text)
        if number not in flagged and (id_type or RESIDENT_ID) == RESIDENT_ID and text.endswith("000"):
            errors.append(RowError(number, "SFZH", "id_excel_truncated", message))
            padded.add(number)
    errors.sort(key=lambda e: e.row)
    return [row for row in rows if row.row not in padded]


def _duplicate(check: RowCheck, first_row: dict[str, int]) -> None:
    """`duplicate_key`: the same 学号 again in the file; every occurrence after the first is rejected."""
    student_no = check.text("XH")
    if not student_no:
        return
    first = first_row.setdefault(student_no, check.row)
    if first != check.row:
        check.fail("XH", "duplicate_key", f"学号 {student_no} 在文件中重复（第一次出现在第 {first} 行）")


def _record(check: RowCheck, school_code: str, today: dt.date) -> RecordRow | None:
    """All field checks of one row; None when any failed."""
    school = _school(check, school_code)
    student_no = check.identifier("XH", required=True)
    exam_no = _exam_no(check)
    name = _name(check, foreign=_id_type_of(check.text("ZJLX")) != RESIDENT_ID)
    sex, birth, id_type, id_number = _identity(check, today)
    major, level, study_mode, length = _programme(check)
    enrolled, expected = _dates(check, today)
    status, status_label = _status(check)
    ethnicity = check.text("MZ")
    centre = check.text("XXZXDM")
    for code, text in (("MZ", ethnicity), ("ZYMC", major), ("XXZXDM", centre)):
        if check.plain(code, text):
            check.max_length(code, text, _FIELD_LIMITS[code])
    if check.errors or student_no is None or birth is None or length is None or enrolled is None:
        return None
    return RecordRow(
        row=check.row,
        school_code=school,
        student_no=student_no,
        exam_no=exam_no,
        name=name,
        sex=sex,
        birth_date=birth,
        id_type=id_type,
        id_number=id_number,
        ethnicity=ethnicity,
        major=major,
        level=level,
        study_mode=study_mode,
        length_years=length,
        enrolled_on=enrolled,
        expected_graduation_on=expected,
        status=status,
        status_label=status_label,
        centre_code=centre,
    )


def _school(check: RowCheck, school_code: str) -> str:
    """`school_mismatch`: 院校代码 must be 5 digits and the school being imported for."""
    code = check.required("YXDM")
    if not code:
        return code
    if not _SCHOOL_CODE.fullmatch(code):
        check.fail("YXDM", "school_mismatch", f"院校代码“{code}”应为 5 位数字")
    elif code != school_code:
        check.fail("YXDM", "school_mismatch", f"院校代码 {code} 与本次导入的院校 {school_code} 不一致")
    return code


def _exam_no(check: RowCheck) -> str:
    """考生号: text, or an Excel number showing all 14 digits (PRODUCT.md names only ID and 学号 as text);
    a number of another length has lost a leading zero or digits (`numeric_cell`)."""
    cell = check.cells.get("KSH")
    whole = cell is not None and cell.numeric and len(cell.text) == EXAM_NO_DIGITS
    return check.identifier("KSH", required=False, whole_numbers=whole) or ""


def _name(check: RowCheck, *, foreign: bool = False) -> str:
    """`name_format`: at least 2 characters; no digits, Latin letters or spaces (· allowed). With a
    passport or another non-resident document the name may be written in Latin letters as on it."""
    name = check.required("XM")
    if not name or not check.max_length("XM", name, 40):
        return name
    if foreign and len(name) >= 2 and _LATIN_NAME.fullmatch(name):
        return name
    if len(name) < 2:
        check.fail("XM", "name_format", f"姓名“{name}”至少应有 2 个字")
    elif _NAME_DIGIT_OR_LATIN.search(name):
        check.fail("XM", "name_format", f"姓名“{name}”中不能有数字或拉丁字母（少数民族姓名的分隔点用“·”）")
    elif _NAME_SPACE_OR_CONTROL.search(name):
        check.fail("XM", "name_format", f"姓名“{name}”中间不能有空格或不可见字符")
    return name


def _identity(check: RowCheck, today: dt.date) -> tuple[str, dt.date | None, str, str]:
    """Sex, birth date, ID type and number; for 居民身份证 the ID must agree with 出生日期 and 性别."""
    sex = check.required("XB")
    if sex and sex not in ("男", "女"):
        check.fail("XB", "bad_sex", f"性别“{sex}”应填“男”或“女”")
        sex = ""
    birth = check.date("CSRQ", required=True)
    if birth is not None and birth > today:
        check.fail("CSRQ", "bad_date", f"出生日期 {birth.isoformat()} 晚于今天")
        birth = None
    id_type = _id_type(check)
    resident = _id_number(check, id_type, today)
    if not isinstance(resident, ResidentId):
        return sex, birth, id_type, resident or ""
    if birth is not None and birth != resident.birth_date:
        message = (
            f"出生日期 {birth.isoformat()} 与身份证号中的出生日期 {resident.birth_date.isoformat()} 不一致"
        )
        check.fail("CSRQ", "birth_date_mismatch", message)
    if sex and sex != resident.sex:
        check.fail(
            "XB", "sex_mismatch", f"性别“{sex}”与身份证号不一致（按身份证号第 17 位应为“{resident.sex}”）"
        )
    return sex, birth, id_type, resident.number


def _id_type(check: RowCheck) -> str:
    """证件类型: empty means 居民身份证 (PRODUCT.md); other types are kept as typed."""
    id_type = _id_type_of(check.text("ZJLX"))
    check.max_length("ZJLX", id_type, 20)
    return id_type


def _id_type_of(text: str) -> str:
    id_type = text or RESIDENT_ID
    return ID_TYPE_ALIASES.get(id_type, id_type)


def _id_number(check: RowCheck, id_type: str, today: dt.date) -> ResidentId | str | None:
    """GB 11643 for 居民身份证 (15 digits upgraded to 18); other types: non-empty, at most 20 characters."""
    raw = check.identifier("SFZH", required=True, limit=10_000)
    if raw is None:
        return None
    if id_type != RESIDENT_ID:
        if len(raw) > 20:
            check.fail("SFZH", "id_format", f"{id_type}号码不能超过 20 个字符（现有 {len(raw)} 个）")
            return None
        return raw
    try:
        return idnumber.parse(raw, today=today)
    except IdNumberError as exc:
        code, message = exc.code, exc.message
        if code == "id_checksum" and idnumber.normalise(raw).endswith("000"):
            code = "id_excel_truncated"
            message = (
                "身份证号末三位是 000 且校验位不正确，多半被 Excel 截断为 15 位有效数字；"
                "请把该列设为“文本”格式后重新输入"
            )
        check.fail("SFZH", code, message)
        return None


def _programme(check: RowCheck) -> tuple[str, str, str, Decimal | None]:
    """专业名称, 层次 (`bad_level`), 学习形式 (`bad_study_mode`), 学制 (`bad_length`)."""
    major = check.required("ZYMC")
    level = check.required("CC")
    if level and level not in LEVELS:
        check.fail(
            "CC", "bad_level", f"层次“{level}”不是可用的层次（如 本科、专科(高职)、硕士研究生、专升本）"
        )
    mode = check.required("XXXS")
    if mode and mode not in STUDY_MODES:
        check.fail(
            "XXXS",
            "bad_study_mode",
            f"学习形式“{mode}”不是可用的学习形式（如 普通全日制、非全日制、函授、业余）",
        )
    return major, level, mode, _length(check)


def _length(check: RowCheck) -> Decimal | None:
    """学制 in years: one of 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8 (DOMAIN.md §5.2)."""
    text = check.required("XZ")
    if not text:
        return None
    match = _LENGTH.fullmatch(text)
    value = Decimal(match[1]) if match else None
    if value is None or value not in LENGTHS:
        check.fail(
            "XZ", "bad_length", f"学制“{text}”应为 1.5、2、2.5、3、3.5、4、4.5、5、5.5、6、7 或 8（年）"
        )
        return None
    return value.quantize(Decimal("0.1"))


def _dates(check: RowCheck, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """入学日期 not after today (`enrolled_in_future`); 预计毕业日期, when given, after it."""
    enrolled = check.date("RXRQ", required=True)
    if enrolled is not None and enrolled > today:
        check.fail("RXRQ", "enrolled_in_future", f"入学日期 {enrolled.isoformat()} 晚于今天")
    expected = check.date("YJBYRQ", required=False)
    if expected is not None and enrolled is not None and expected <= enrolled:
        message = f"预计毕业日期 {expected.isoformat()} 应晚于入学日期 {enrolled.isoformat()}"
        check.fail("YJBYRQ", "bad_date", message)
    return enrolled, expected


def _status(check: RowCheck) -> tuple[str, str]:
    """学籍状态 label → canonical state (STATUS_LABELS); empty means 注册学籍 (`bad_status` otherwise)."""
    label = check.text("XJZT") or DEFAULT_STATUS_LABEL
    state = STATUS_LABELS.get(label)
    if state is None:
        known = "、".join(list(STATUS_LABELS)[:8])
        check.fail("XJZT", "bad_status", f"学籍状态“{label}”无法识别（可用如：{known} 等）")
        return "", label
    return RecordStatus(state).value, label
