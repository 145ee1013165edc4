"""Photo batch manifest rows (PRODUCT.md "Interchange formats", RELIABILITY.md §3.1/§3.2). No database."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradphoto.common.idnumber import check_char
from gradphoto.common.tabular import Cell, RowError, Table, read_table
from gradphoto.photos.manifest import MANIFEST_COLUMNS, ManifestRow, filename_problem, validate_manifest_rows

TODAY = dt.date(2025, 6, 1)
CODES = [c.code for c in MANIFEST_COLUMNS]
BODY = "11010520030512123"
ID = BODY + check_char(BODY)
VALID: dict[str, str] = {
    "CJH": "XH2025000001",
    "CJM": "u-7f3a",
    "YXDM": "10001",
    "XH": "2021001",
    "XM": "张三",
    "SFZH": ID,
    "CJRQ": "20250520",
    "ZPWJ": "photos/XH2025000001.jpg",
}


def table(*rows: dict[str, Any]) -> Table:
    """Rows over VALID; a value given as (text, True) is a numeric XLSX cell."""
    built = []
    for number, changes in enumerate(rows, start=2):
        values = VALID | changes
        cells = {code: Cell(*v) if isinstance(v, tuple) else Cell(v) for code, v in values.items()}
        built.append((number, cells))
    return Table(rows=built, unknown_columns=[], encoding="utf-8")


def validate(*rows: dict[str, Any]) -> tuple[list[ManifestRow], list[RowError]]:
    return validate_manifest_rows(table(*rows), today=TODAY)


def codes(**changes: Any) -> set[tuple[str, str]]:
    rows, errors = validate(changes)
    assert not rows or not errors
    return {(e.field, e.code) for e in errors}


def test_valid_row() -> None:
    rows, errors = validate({})
    assert errors == []
    assert rows == [
        ManifestRow(
            row=2,
            collection_no="XH2025000001",
            collection_code="u-7f3a",
            school_code="10001",
            student_no="2021001",
            name="张三",
            id_number=ID,
            collected_on=dt.date(2025, 5, 20),
            filename="photos/XH2025000001.jpg",
        )
    ]


def test_identity_as_typed_may_be_wrong() -> None:
    """A bad checksum, a wrong name or a one-character name is kept for linking, not an error."""
    wrong_checksum = BODY + ("0" if ID[-1] != "0" else "1")
    rows, errors = validate({"SFZH": wrong_checksum, "XM": "张"})
    assert errors == [] and (rows[0].id_number, rows[0].name) == (wrong_checksum, "张")


def test_id_is_normalised() -> None:
    female = "11010519491231002X"
    rows, _ = validate({"SFZH": female.lower()})
    assert rows[0].id_number == female
    rows, _ = validate({"SFZH": "".join(chr(ord(c) + 0xFEE0) for c in "110105491231002")})
    assert rows[0].id_number == "110105491231002"


def test_optional_fields() -> None:
    rows, errors = validate({"CJM": "", "XH": ""})
    assert errors == [] and (rows[0].collection_code, rows[0].student_no) == ("", "")


@pytest.mark.parametrize("code", [c.code for c in MANIFEST_COLUMNS if c.required])
def test_required(code: str) -> None:
    assert codes(**{code: ""}) == {(code, "required")}


@pytest.mark.parametrize("code", ["SFZH", "XH"])
def test_numeric_cell(code: str) -> None:
    assert codes(**{code: ("110105200305121230", True)}) == {(code, "numeric_cell")}


@pytest.mark.parametrize("code", ["CJH", "CJM"])
def test_a_collection_number_excel_shows_whole_is_kept_and_a_rounded_one_refused(code: str) -> None:
    [row], _ = validate({code: ("20261020001", True)})
    assert (row.collection_no if code == "CJH" else row.collection_code) == "20261020001"
    assert codes(**{code: ("2.0261E+17", True)}) == {(code, "numeric_cell")}
    assert codes(**{code: ("1.5", True)}) == {(code, "numeric_cell")}


def test_two_numeric_collection_numbers_excel_shows_alike_are_refused_not_called_duplicates() -> None:
    rows, errors = validate({"CJH": ("2.0261E+17", True)}, {"CJH": ("2.0261E+17", True), "ZPWJ": "b.jpg"})
    assert not rows and [(e.row, e.code) for e in errors] == [(2, "numeric_cell"), (3, "numeric_cell")]


def test_a_full_width_collection_number_is_its_ascii_form_and_a_duplicate_of_it() -> None:
    rows, errors = validate({"CJH": "ＣＪ００１"}, {"CJH": "CJ001", "ZPWJ": "b.jpg"})
    assert [r.collection_no for r in rows] == ["CJ001"]
    assert [(e.row, e.code) for e in errors] == [(3, "duplicate_key")]


def test_id_scientific() -> None:
    assert codes(SFZH="1.10105E+17") == {("SFZH", "id_scientific")}
    assert codes(XH="2.021E6") == {("XH", "id_scientific")}


@pytest.mark.parametrize("text", ["张三", "12345", "E1234-5678", "1" * 21])
def test_id_format(text: str) -> None:
    assert codes(SFZH=text) == {("SFZH", "id_format")}


@pytest.mark.parametrize(
    "text",
    ["1101052003051212", "1101052003051212345", "11010520030512123Y", "E12345678", "H1234567801"],
)
def test_an_id_as_typed_may_be_wrong(text: str) -> None:
    """A digit missing or extra, a wrong letter, a passport or permit number: the photo is kept, unlinked
    unless the register holds that number, for the engine and 没照片,找找看 to find its student."""
    rows, errors = validate({"SFZH": text})
    assert errors == [] and rows[0].id_number == text


def test_bad_date_and_future() -> None:
    assert codes(CJRQ="2025/05/20") == {("CJRQ", "bad_date")}
    assert codes(CJRQ="2025-06-02") == {("CJRQ", "collected_in_future")}
    assert validate({"CJRQ": "2025-06-01"})[1] == []


def test_school_code() -> None:
    assert codes(YXDM="1001") == {("YXDM", "school_code")}
    assert codes(YXDM="北京大学") == {("YXDM", "school_code")}


def test_duplicate_key() -> None:
    rows, errors = validate({}, {"ZPWJ": "b.jpg"}, {"CJH": "2", "ZPWJ": "c.jpg"}, {"ZPWJ": "d.jpg"})
    assert [r.row for r in rows] == [2, 4]
    assert [(e.row, e.field, e.code) for e in errors] == [
        (3, "CJH", "duplicate_key"),
        (5, "CJH", "duplicate_key"),
    ]


def test_duplicate_file_case_and_normalisation_insensitive() -> None:
    rows, errors = validate(
        {"ZPWJ": "a/Photo.JPG"}, {"CJH": "2", "ZPWJ": "a/photo.jpg"}, {"CJH": "3", "ZPWJ": "a/photo2.jpg"}
    )
    assert [r.row for r in rows] == [2, 4]
    assert [(e.row, e.code) for e in errors] == [(3, "duplicate_file")]
    assert "第 2 行" in errors[0].message


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd.jpg",
        "../x.jpg",
        "a/../../b.jpg",
        "..\\..\\win.jpg",
        "C:\\x.jpg",
        "C:x.jpg",
        "photo.png",
        "photo.jpg.exe",
        "a\x00.jpg",
        "a/" * 100 + "x.jpg",
    ],
)
def test_bad_filename(name: str) -> None:
    assert codes(ZPWJ=name) == {("ZPWJ", "bad_filename")}


@pytest.mark.parametrize("name", ["a.jpg", "A.JPEG", "批次1/张三.Jpg", "x..y.jpg", "./a.jpg"])
def test_good_filename(name: str) -> None:
    assert filename_problem(name) == ""
    assert validate({"ZPWJ": name})[1] == []


def test_all_errors_of_a_row_are_reported() -> None:
    found = codes(YXDM="1", SFZH="123", CJRQ="2030-01-01", ZPWJ="../a.png", XM="")
    assert found == {
        ("YXDM", "school_code"),
        ("SFZH", "id_format"),
        ("CJRQ", "collected_in_future"),
        ("ZPWJ", "bad_filename"),
        ("XM", "required"),
    }


def test_too_long() -> None:
    assert codes(CJH="1" * 41) == {("CJH", "too_long")}


def test_xlsx_manifest_end_to_end() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([c.label if i % 2 else c.code for i, c in enumerate(MANIFEST_COLUMNS)])
    sheet.append([VALID[c] for c in CODES])
    sheet.append(["2", "", "10001", 2021002, "李四", float(ID), dt.datetime(2025, 5, 21), "b.jpg"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), "manifest.xlsx", MANIFEST_COLUMNS)
    rows, errors = validate_manifest_rows(parsed, today=TODAY)
    assert [r.row for r in rows] == [2]
    assert [(e.row, e.field, e.code) for e in errors] == [
        (3, "XH", "numeric_cell"),
        (3, "SFZH", "numeric_cell"),
    ]


any_cell = st.one_of(
    st.text(max_size=25).map(lambda t: Cell(t.strip())),
    st.builds(Cell, st.text(alphabet="0123456789.E+-xX/\\.jpgJPG", max_size=20), st.booleans()),
    st.sampled_from([Cell(v) for v in VALID.values()]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({code: any_cell for code in CODES}), min_size=1, max_size=4))
def test_any_text_never_raises(rows: list[dict[str, Cell]]) -> None:
    parsed = Table(rows=[(i + 2, r) for i, r in enumerate(rows)], unknown_columns=[], encoding="utf-8")
    valid, errors = validate_manifest_rows(parsed, today=TODAY)
    assert len(valid) + len({e.row for e in errors}) == len(rows)
    assert all(e.field in CODES and e.message for e in errors)
