"""学籍 row validation (PRODUCT.md "Interchange formats", DOMAIN.md §5.2; RELIABILITY §3.2); no DB."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradphoto.common.idnumber import check_char
from gradphoto.common.tabular import Cell, RowError, Table, read_table
from gradphoto.graduation.rules import LEVEL_CODES
from gradphoto.records.models import RecordStatus
from gradphoto.records.rows import (
    LENGTHS,
    LEVELS,
    RECORD_COLUMNS,
    STUDY_MODES,
    RecordRow,
    validate_record_rows,
)

TODAY = dt.date(2025, 6, 1)
SCHOOL = "10001"
CODES = [c.code for c in RECORD_COLUMNS]


def resident_id(birth: str = "20030512", seq: str = "123") -> str:
    body = "110105" + birth + seq
    return body + check_char(body)


ID_MALE = resident_id()  # sequence digit 3 → 男
VALID: dict[str, str] = {
    "YXDM": SCHOOL,
    "XH": "2021001",
    "KSH": "21110101150001",
    "XM": "张三",
    "XB": "男",
    "CSRQ": "20030512",
    "ZJLX": "",
    "SFZH": ID_MALE,
    "MZ": "汉族",
    "ZYMC": "计算机科学与技术",
    "CC": "本科",
    "XXXS": "普通全日制",
    "XZ": "4",
    "RXRQ": "2021-09-01",
    "YJBYRQ": "20250630",
    "XJZT": "",
    "XXZXDM": "",
}


def table(*rows: dict[str, Any]) -> Table:
    """Rows over VALID; a value given as (text, True) is a numeric XLSX cell."""
    built = []
    for number, changes in enumerate(rows, start=2):
        values = VALID | changes
        cells = {
            code: Cell(*value) if isinstance(value, tuple) else Cell(value) for code, value in values.items()
        }
        built.append((number, cells))
    return Table(rows=built, unknown_columns=[], encoding="utf-8")


def validate(*rows: dict[str, Any]) -> tuple[list[RecordRow], list[RowError]]:
    return validate_record_rows(table(*rows), school_code=SCHOOL, today=TODAY)


def codes(**changes: Any) -> set[tuple[str, str]]:
    """(field, code) of every error of one row over VALID; the row is then not returned."""
    rows, errors = validate(changes)
    assert not rows or not errors
    return {(e.field, e.code) for e in errors}


# --- a valid row ------------------------------------------------------------------------------------


def test_valid_row_with_defaults() -> None:
    rows, errors = validate({})
    assert errors == []
    assert rows == [
        RecordRow(
            row=2,
            school_code=SCHOOL,
            student_no="2021001",
            exam_no="21110101150001",
            name="张三",
            sex="男",
            birth_date=dt.date(2003, 5, 12),
            id_type="居民身份证",
            id_number=ID_MALE,
            ethnicity="汉族",
            major="计算机科学与技术",
            level="本科",
            study_mode="普通全日制",
            length_years=Decimal("4.0"),
            enrolled_on=dt.date(2021, 9, 1),
            expected_graduation_on=dt.date(2025, 6, 30),
            status=RecordStatus.REGISTERED.value,
            status_label="注册学籍",
            centre_code="",
        )
    ]


def test_optional_fields_may_be_empty() -> None:
    rows, errors = validate({"KSH": "", "MZ": "", "YJBYRQ": "", "XXZXDM": ""})
    assert errors == []
    assert rows[0].expected_graduation_on is None


@pytest.mark.parametrize(
    ("label", "state"),
    [
        ("不在籍（毕业）", RecordStatus.GRADUATED),
        ("休学", RecordStatus.SUSPENDED),
        ("退学", RecordStatus.WITHDRAWN),
    ],
)
def test_status_labels(label: str, state: RecordStatus) -> None:
    rows, _ = validate({"XJZT": label})
    assert (rows[0].status, rows[0].status_label) == (state.value, label)


def test_id_normalised_and_15_digits_upgraded() -> None:
    female = resident_id("19491231", "002")
    rows, errors = validate({"SFZH": female.lower().replace("X", "x"), "XB": "女", "CSRQ": "1949-12-31"})
    assert errors == [] and rows[0].id_number == female
    rows, errors = validate({"SFZH": "110105491231002", "XB": "女", "CSRQ": "19491231"})
    assert errors == [] and rows[0].id_number == "11010519491231002X"
    rows, errors = validate({"SFZH": "".join(chr(ord(c) + 0xFEE0) for c in ID_MALE)})
    assert errors == [] and rows[0].id_number == ID_MALE


def test_other_id_types_skip_gb11643() -> None:
    rows, errors = validate({"ZJLX": "护照", "SFZH": "E12345678", "CSRQ": "19900101"})
    assert errors == [] and (rows[0].id_type, rows[0].id_number) == ("护照", "E12345678")
    assert codes(ZJLX="护照", SFZH="E" * 21) == {("SFZH", "id_format")}
    assert codes(ZJLX="护照", SFZH="") == {("SFZH", "required")}
    rows, _ = validate({"ZJLX": "身份证"})
    assert rows[0].id_type == "居民身份证"


@pytest.mark.parametrize(("text", "years"), [("2.5", "2.5"), ("4", "4.0"), ("4.0", "4.0"), ("8", "8.0")])
def test_length_years(text: str, years: str) -> None:
    assert validate({"XZ": text})[0][0].length_years == Decimal(years)


def test_numeric_xlsx_length_and_dates_are_fine() -> None:
    rows, errors = validate({"XZ": ("2.5", True), "RXRQ": ("20210901", True), "YXDM": (SCHOOL, True)})
    assert errors == [] and rows[0].length_years == Decimal("2.5")


@pytest.mark.parametrize("name", ["阿卜杜拉·艾力", "欧阳娜娜", "王䶮"])
def test_names_accepted(name: str) -> None:
    assert validate({"XM": name})[1] == []


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_every_level_accepted(level: str) -> None:
    assert validate({"CC": level})[1] == []
    assert level in LEVEL_CODES  # and the diploma registration knows its 培养层次 code


@pytest.mark.parametrize("mode", sorted(STUDY_MODES))
def test_every_study_mode_accepted(mode: str) -> None:
    assert validate({"XXXS": mode})[1] == []


# --- every error code -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [c.code for c in RECORD_COLUMNS if c.required])
def test_required(code: str) -> None:
    assert (code, "required") in codes(**{code: ""})


def test_school_mismatch() -> None:
    assert codes(YXDM="10002") == {("YXDM", "school_mismatch")}
    assert codes(YXDM="1001") == {("YXDM", "school_mismatch")}
    assert codes(YXDM="１０００１") == {("YXDM", "school_mismatch")}


@pytest.mark.parametrize("code", ["SFZH", "XH"])
def test_numeric_cell(code: str) -> None:
    assert codes(**{code: ("110105200305121230", True)}) == {(code, "numeric_cell")}


def test_a_candidate_number_excel_shows_whole_is_kept_a_rounded_one_refused() -> None:
    rows, errors = validate({"KSH": ("21110101150001", True)})
    assert errors == [] and rows[0].exam_no == "21110101150001"
    assert codes(KSH=("2.11101E+17", True)) == {("KSH", "numeric_cell")}
    assert codes(KSH=("9110101150001", True)) == {("KSH", "numeric_cell")}  # 0 lost from 09110…


@pytest.mark.parametrize("text", ["1.10105E+17", "1.1E17", "1.10105e+17"])
def test_id_scientific(text: str) -> None:
    assert codes(SFZH=text) == {("SFZH", "id_scientific")}
    assert codes(XH=text) == {("XH", "id_scientific")}


def test_id_excel_truncated() -> None:
    truncated = ID_MALE[:15] + "000"
    assert check_char(truncated[:17]) != "0"
    assert codes(SFZH=truncated) == {("SFZH", "id_excel_truncated")}


def padded_but_valid() -> str:
    """An ID whose last three digits are 000 and whose check digit is right (sequence x00, check 0)."""
    for day in range(10, 29):
        for first in "123456789":
            body = f"110105200305{day}{first}00"
            if check_char(body) == "0":
                return body + "0"
    raise AssertionError("no such ID")


def test_an_id_ending_in_000_is_kept_in_a_clean_file() -> None:
    number = padded_but_valid()
    rows, errors = validate_record_rows(
        table({"SFZH": number, "CSRQ": number[6:14], "XB": "女"}), school_code=SCHOOL, today=TODAY
    )
    assert errors == [] and [r.id_number for r in rows] == [number]


def test_in_a_file_excel_has_damaged_every_id_ending_in_000_is_refused() -> None:
    number = padded_but_valid()
    rows, errors = validate_record_rows(
        table(
            {"SFZH": number, "CSRQ": number[6:14], "XB": "女"},
            {"XH": "2021002", "SFZH": "1.10105E+17"},
            {"XH": "2021003"},
            {"XH": "2021004", "SFZH": number, "CSRQ": number[6:14]},  # 男: the lost digits show as a mismatch
        ),
        school_code=SCHOOL,
        today=TODAY,
    )
    assert [(e.row, e.field, e.code) for e in errors] == [
        (2, "SFZH", "id_excel_truncated"),
        (3, "SFZH", "id_scientific"),
        (5, "XB", "sex_mismatch"),
        (5, "SFZH", "id_excel_truncated"),
    ]
    assert "Excel" in errors[0].message and [r.student_no for r in rows] == ["2021003"]


def test_id_format_birth_date_checksum() -> None:
    assert codes(SFZH="11010520030512") == {("SFZH", "id_format")}
    assert codes(SFZH=resident_id("20030231")) == {("SFZH", "id_birth_date")}
    wrong = ID_MALE[:17] + ("0" if ID_MALE[17] != "0" else "1")
    assert codes(SFZH=wrong) == {("SFZH", "id_checksum")}


def test_id_address_outside_every_province() -> None:
    body = "990105" + ID_MALE[6:17]
    assert codes(SFZH=body + check_char(body)) == {("SFZH", "id_address")}


def test_birth_date_and_sex_mismatch() -> None:
    assert codes(CSRQ="20030513") == {("CSRQ", "birth_date_mismatch")}
    assert codes(XB="女") == {("XB", "sex_mismatch")}
    _, errors = validate({"XB": "女"})
    assert "应为“男”" in errors[0].message


@pytest.mark.parametrize("text", ["2003/05/12", "20030532", "2003-5-12", "12.05.2003", "二〇〇三年"])
def test_bad_date(text: str) -> None:
    assert codes(CSRQ=text) == {("CSRQ", "bad_date")}


def test_bad_date_future_birth_and_graduation_before_enrolment() -> None:
    assert ("CSRQ", "bad_date") in codes(CSRQ="20300101")
    assert codes(YJBYRQ="20200101") == {("YJBYRQ", "bad_date")}
    assert codes(YJBYRQ="2025-13-01") == {("YJBYRQ", "bad_date")}


def test_bad_sex() -> None:
    assert codes(XB="M") == {("XB", "bad_sex")}


def test_bad_level_study_mode_length_status() -> None:
    assert codes(CC="大学本科") == {("CC", "bad_level")}
    assert all(codes(CC=level) == set() for level in ("高中起点本科", "高中起点专科", "专科起点本科"))
    assert codes(XXXS="全职") == {("XXXS", "bad_study_mode")}
    for text in ("4.2", "9", "四年", "NaN", "sNaN", "Infinity", "1e1", "-4"):
        assert codes(XZ=text) == {("XZ", "bad_length")}, text
    assert codes(XJZT="在读") == {("XJZT", "bad_status")}


def test_enrolled_in_future() -> None:
    assert codes(RXRQ="2025-09-01", YJBYRQ="") == {("RXRQ", "enrolled_in_future")}


def test_duplicate_key_after_the_first() -> None:
    rows, errors = validate({}, {"XM": "李四"}, {"XH": "2021002"}, {})
    assert [r.row for r in rows] == [2, 4]
    assert [(e.row, e.code) for e in errors] == [(3, "duplicate_key"), (5, "duplicate_key")]
    assert "第 2 行" in errors[0].message


def test_duplicate_counts_rows_that_have_other_errors() -> None:
    _, errors = validate({"XB": "?"}, {})
    assert {(e.row, e.code) for e in errors} == {(2, "bad_sex"), (3, "duplicate_key")}


@pytest.mark.parametrize(
    "name", ["张", "张3", "Zhang San", "张san", "张 三", "张Ａ", "张\u200b三丰", "张三\u2060"]
)
def test_name_format(name: str) -> None:
    assert codes(XM=name) == {("XM", "name_format")}  # a zero-width space pasted from a web page too


@pytest.mark.parametrize("name", ["JOHN SMITH", "Anna-Lena Müller", "O'Brien Kate", "María J. Pérez"])
def test_a_passport_holder_may_have_a_latin_name(name: str) -> None:
    assert codes(XM=name, ZJLX="护照", SFZH="E12345678") == set()
    assert codes(XM=name) == {("XM", "name_format")}  # with a 居民身份证 the name is in characters


@pytest.mark.parametrize("name", ["JOHN  SMITH", "JOHN SMITH2", "-JOHN", "J\u200bOHN", "JOHN×SMITH", "A"])
def test_a_latin_name_is_still_checked(name: str) -> None:
    assert codes(XM=name, ZJLX="护照", SFZH="E12345678") == {("XM", "name_format")}


def test_a_line_break_inside_a_programme_is_refused_and_a_full_width_student_number_folded() -> None:
    assert codes(ZYMC="计算机科学\n与技术") == {("ZYMC", "hidden_character")}
    [row], _ = validate({"XH": "Ｒ１０２９５０"})
    assert row.student_no == "R102950"


def test_too_long() -> None:
    assert codes(XH="1" * 21) == {("XH", "too_long")}
    assert codes(ZYMC="专" * 51) == {("ZYMC", "too_long")}


def test_all_errors_of_a_row_are_reported() -> None:
    found = codes(YXDM="99999", XM="X", XB="?", CC="?", XXXS="?", XZ="?", XJZT="?", RXRQ="2030-01-01")
    assert {code for _, code in found} >= {
        "school_mismatch",
        "name_format",
        "bad_sex",
        "bad_level",
        "bad_study_mode",
        "bad_length",
        "bad_status",
        "enrolled_in_future",
    }


def test_messages_are_chinese_and_name_no_row_number() -> None:
    _, errors = validate({"SFZH": ID_MALE[:17] + "0"})
    assert errors[0].message == "身份证号校验位不正确"


# --- from real files --------------------------------------------------------------------------------


def _header_and_row(use_labels: bool) -> tuple[list[str], list[str]]:
    header = [c.label if use_labels and i % 2 else c.code for i, c in enumerate(RECORD_COLUMNS)]
    return header, [VALID[c] for c in CODES]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_end_to_end(encoding: str) -> None:
    header, row = _header_and_row(use_labels=True)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, row, row])
    parsed = read_table(buffer.getvalue().encode(encoding), "学籍.csv", RECORD_COLUMNS)
    rows, errors = validate_record_rows(parsed, school_code=SCHOOL, today=TODAY)
    assert [r.row for r in rows] == [2] and [(e.row, e.code) for e in errors] == [(3, "duplicate_key")]


def test_xlsx_end_to_end_numeric_id_is_an_error() -> None:
    header, row = _header_and_row(use_labels=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(row)
    sheet.append([*row[:1], "2021002", *row[2:7], float(ID_MALE), *row[8:]])
    sheet.append([*row[:1], "2021003", *row[2:5], dt.datetime(2003, 5, 12), *row[6:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), "学籍.xlsx", RECORD_COLUMNS)
    rows, errors = validate_record_rows(parsed, school_code=SCHOOL, today=TODAY)
    assert [r.row for r in rows] == [2, 4]
    assert [(e.row, e.field, e.code) for e in errors] == [(3, "SFZH", "numeric_cell")]


# --- properties -----------------------------------------------------------------------------------

any_cell = st.one_of(
    st.text(max_size=25).map(lambda t: Cell(t.strip())),
    st.builds(Cell, st.text(alphabet="0123456789.E+-xX年", max_size=20), st.booleans()),
    st.sampled_from([Cell(v) for v in VALID.values()]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({code: any_cell for code in CODES}), min_size=1, max_size=4))
def test_any_text_never_raises(rows: list[dict[str, Cell]]) -> None:
    parsed = Table(rows=[(i + 2, r) for i, r in enumerate(rows)], unknown_columns=[], encoding="utf-8")
    valid, errors = validate_record_rows(parsed, school_code=SCHOOL, today=TODAY)
    assert len(valid) + len({e.row for e in errors}) == len(rows)
    assert all(e.field in CODES and e.message for e in errors)


@settings(max_examples=150, deadline=None)
@given(
    birth=st.dates(dt.date(1950, 1, 1), dt.date(2007, 12, 31)),
    seq=st.integers(0, 999),
    length=st.sampled_from(sorted(LENGTHS)),
    enrolled=st.dates(dt.date(2000, 1, 1), TODAY),
)
def test_generated_valid_rows_pass(birth: dt.date, seq: int, length: Decimal, enrolled: dt.date) -> None:
    number = resident_id(birth.strftime("%Y%m%d"), f"{seq:03d}")
    sex = "男" if seq % 10 % 2 else "女"
    row = {
        "SFZH": number,
        "XB": sex,
        "CSRQ": birth.isoformat(),
        "XZ": str(length),
        "RXRQ": enrolled.isoformat(),
    }
    rows, errors = validate(row | {"YJBYRQ": ""})
    assert errors == []
    assert (rows[0].id_number, rows[0].birth_date, rows[0].length_years) == (number, birth, length)
