"""Reading uploaded tables (PRODUCT.md "Interchange formats", RELIABILITY.md §3.2). No database."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradphoto.common import tabular
from gradphoto.common.rowcheck import is_scientific, parse_date
from gradphoto.common.tabular import (
    Cell,
    Column,
    FileRejected,
    excel_number,
    read_table,
)

COLUMNS = [
    Column("XM", "姓名", True),
    Column("SFZH", "身份证号", True),
    Column("XH", "学号", False),
    Column("RQ", "日期", False),
]
CODES = [c.code for c in COLUMNS]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, start_row: int = 1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=start_row + offset, column=col, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rejected(data: bytes, filename: str = "x.csv", **kwargs: Any) -> FileRejected:
    with pytest.raises(FileRejected) as info:
        read_table(data, filename, COLUMNS, **kwargs)
    assert "\n" not in info.value.message
    return info.value


def texts(table: tabular.Table) -> list[tuple[int, dict[str, str]]]:
    return [(n, {k: c.text for k, c in cells.items() if c.text}) for n, cells in table.rows]


# --- CSV encodings (REQ-CSV-01/02/04) --------------------------------------------------------------


def test_utf8_csv() -> None:
    table = read_table(csv_bytes([["姓名", "身份证号"], ["张三", "11010519491231002X"]]), "a.csv", COLUMNS)
    assert table.encoding == "utf-8"
    assert texts(table) == [(2, {"XM": "张三", "SFZH": "11010519491231002X"})]
    assert set(table.rows[0][1]) == set(CODES)  # absent columns read as empty cells
    assert table.rows[0][1]["XH"] == Cell("", False)
    assert table.present_columns == ["XM", "SFZH"]


def test_utf8_bom_is_not_glued_to_the_first_header() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([["姓名", "身份证号"], ["李四", "110"]])
    table = read_table(data, "a.csv", COLUMNS)
    assert table.encoding == "utf-8-sig"
    assert texts(table) == [(2, {"XM": "李四", "SFZH": "110"})]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_csv_from_chinese_excel(encoding: str) -> None:
    data = csv_bytes([["姓名", "身份证号", "学号"], ["欧阳娜娜", "11010519491231002X", "2021001"]], encoding)
    table = read_table(data, "学籍.csv", COLUMNS)
    assert table.encoding == "gb18030"
    assert texts(table)[0][1]["XM"] == "欧阳娜娜"


def test_gb18030_rare_characters_outside_gbk() -> None:
    data = csv_bytes([["姓名", "身份证号"], ["王䶮𠮷", "1"]], "gb18030")
    assert read_table(data, "a.csv", COLUMNS).rows[0][1]["XM"].text == "王䶮𠮷"


def test_nul_byte_or_utf16_is_rejected() -> None:
    assert rejected("姓名,身份证号\n张三,1\n".encode("utf-16")).code == "encoding"
    assert rejected(b"XM,SFZH\nab\x00c,1\n").code == "encoding"


def test_undecodable_bytes_are_rejected() -> None:
    assert rejected(b"XM,SFZH\n\xff\xfe\xfd,1\n").code == "encoding"


def test_cells_are_stripped_and_quoted_fields_may_hold_commas_and_newlines() -> None:
    data = 'XM,SFZH,XH\n" 张三 ",\u3000110\u3000,"a,b"\n"李\n四",2,\n王五,3,\n'.encode()
    table = read_table(data, "a.csv", COLUMNS)
    assert texts(table) == [
        (2, {"XM": "张三", "SFZH": "110", "XH": "a,b"}),
        (3, {"XM": "李\n四", "SFZH": "2"}),
        (4, {"XM": "王五", "SFZH": "3"}),  # Excel shows the two-line cell as one row
    ]


def test_empty_rows_are_skipped_but_keep_excel_row_numbers() -> None:
    data = b"\n,,\nXM,SFZH\n\n  ,  \nA1,1\n,,,\nB2,2\n"
    assert [n for n, _ in read_table(data, "a.csv", COLUMNS).rows] == [6, 8]


def test_short_and_long_rows() -> None:
    table = read_table(b"XM,SFZH,XH\nab\ncd,1,2,extra,more\n", "a.csv", COLUMNS)
    assert texts(table) == [(2, {"XM": "ab"}), (3, {"XM": "cd", "SFZH": "1", "XH": "2"})]


def test_data_only_in_an_unknown_column_is_a_row() -> None:
    table = read_table(b"XM,SFZH,BZ\n,,note\n", "a.csv", COLUMNS)
    assert texts(table) == [(2, {})]


# --- headers (REQ-CSV-03) ---------------------------------------------------------------------------


def test_code_and_label_headers_mixed_codes_case_insensitive() -> None:
    data = csv_bytes([["xm", "身份证号", "Xh", "日期"], ["张三", "1", "2", "2020-01-01"]])
    assert texts(read_table(data, "a.csv", COLUMNS))[0][1] == {
        "XM": "张三",
        "SFZH": "1",
        "XH": "2",
        "RQ": "2020-01-01",
    }


def test_full_width_header_is_nfkc_folded() -> None:
    data = csv_bytes([["ＸＭ", " 身份证号 "], ["张三", "1"]])
    assert texts(read_table(data, "a.csv", COLUMNS))[0][1] == {"XM": "张三", "SFZH": "1"}


def test_unknown_columns_are_reported_not_read() -> None:
    data = csv_bytes([["姓名", "备注", "身份证号", "备注", ""], ["张三", "x", "1", "y", "z"]])
    table = read_table(data, "a.csv", COLUMNS)
    assert table.unknown_columns == ["备注"]
    assert texts(table) == [(2, {"XM": "张三", "SFZH": "1"})]


def test_missing_required_column_rejects_the_file() -> None:
    error = rejected(csv_bytes([["学号", "备注"], ["1", "x"]]))
    assert error.code == "missing_columns"
    assert error.message == "缺少必需的列：姓名(XM)、身份证号(SFZH)"


def test_missing_columns_hint_when_nothing_matched() -> None:
    mojibake = "姓名,身份证号\n张三,1\n".encode().decode("gb18030", errors="replace").encode()
    error = rejected(mojibake)
    assert error.code == "missing_columns"
    assert "编码" in error.message


def test_a_label_with_a_note_is_not_the_label() -> None:
    assert rejected(csv_bytes([["姓名", "身份证号（必填）"], ["a", "1"]])).code == "missing_columns"


def test_duplicate_header_rejects_the_file() -> None:
    error = rejected(csv_bytes([["XM", "身份证号", "姓名"], ["a", "1", "b"]]))
    assert error.code == "duplicate_column"
    assert "姓名(XM)" in error.message


# --- whole-file rejections ------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n", b"\xef\xbb\xbf", b",,,\n\n,\n"])
def test_empty_file(data: bytes) -> None:
    assert rejected(data).code == "empty"


def test_header_only_is_empty() -> None:
    assert rejected(b"XM,SFZH\n,\n").code == "empty"


def test_too_many_rows() -> None:
    data = csv_bytes([["XM", "SFZH"]] + [[f"n{i}", str(i)] for i in range(3)])
    assert len(read_table(data, "a.csv", COLUMNS, max_rows=3).rows) == 3
    assert rejected(data, max_rows=2).code == "too_many_rows"


def test_csv_field_beyond_the_csv_module_limit_is_unreadable() -> None:
    assert rejected(b"XM,SFZH\n" + b"a" * 200_000 + b",1\n").code == "csv_unreadable"


def test_pdf_is_rejected() -> None:
    assert (
        rejected(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a.pdf").code
        == "unsupported_format"
    )


def test_legacy_xls_is_rejected() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
    assert rejected(data, "a.xls").code == "unsupported_format"


def test_plain_zip_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.csv", "XM,SFZH\n")
    assert rejected(buffer.getvalue(), "a.zip").code == "unsupported_format"


def test_random_garbage_never_passes() -> None:
    with pytest.raises(FileRejected):
        read_table(bytes(range(256)) * 4, "a.csv", COLUMNS)


# --- XLSX (REQ-CSV-05/07/10) ----------------------------------------------------------------------


def test_xlsx_numeric_and_date_cells() -> None:
    data = xlsx_bytes(
        [
            ["姓名", "SFZH", "学号", "日期"],
            ["张三", 110105199001011232.0, 123, dt.datetime(2019, 9, 1)],
            ["李四", "11010519491231002X", "00123", dt.date(2020, 2, 29)],
            ["王五", 2.5, True, "2021-09-01"],
        ]
    )
    table = read_table(data, "学籍.xlsx", COLUMNS)
    assert table.encoding == "xlsx"
    (_, first), (_, second), (_, third) = table.rows
    assert first["SFZH"] == Cell("1.10105E+17", True)
    assert first["XH"] == Cell("123", True)
    assert first["RQ"] == Cell("2019-09-01", False)
    assert second["SFZH"] == Cell("11010519491231002X", False)
    assert second["XH"] == Cell("00123", False)
    assert second["RQ"] == Cell("2020-02-29", False)
    assert third["SFZH"] == Cell("2.5", True)
    assert third["XH"] == Cell("TRUE", False)


def test_xlsx_row_numbers_as_excel_shows_them() -> None:
    rows: list[list[Any]] = [["XM", "SFZH"], ["a", "1"], [None, None], [None, None], ["b", "2"]]
    table = read_table(xlsx_bytes(rows, start_row=3), "a.xlsx", COLUMNS)
    assert [n for n, _ in table.rows] == [4, 7]


def test_xlsx_type_is_decided_by_content_not_name() -> None:
    data = xlsx_bytes([["XM", "SFZH"], ["a", "1"]])
    assert read_table(data, "upload.csv", COLUMNS).encoding == "xlsx"


def test_xlsx_missing_column_and_unknown_column() -> None:
    assert rejected(xlsx_bytes([["XM", "备注"], ["a", "1"]]), "a.xlsx").code == "missing_columns"
    table = read_table(xlsx_bytes([["XM", "SFZH", "备注"], ["a", "1", "x"]]), "a.xlsx", COLUMNS)
    assert table.unknown_columns == ["备注"]


def test_xlsx_header_only_is_empty() -> None:
    assert rejected(xlsx_bytes([["XM", "SFZH"]]), "a.xlsx").code == "empty"


def test_corrupt_xlsx_is_unreadable() -> None:
    data = xlsx_bytes([["XM", "SFZH"], ["a", "1"]])
    assert rejected(data[: len(data) // 2], "a.xlsx").code == "xlsx_unreadable"
    assert rejected(b"\x00\x01binary, not a workbook", "a.xlsx").code == "xlsx_unreadable"


def test_a_csv_renamed_xlsx_is_read_as_the_csv_it_is() -> None:
    table = read_table("XM,SFZH\n张三,1\n".encode(), "a.xlsx", COLUMNS)
    assert table.encoding == "utf-8" and table.rows[0][1]["XM"].text == "张三"


def test_an_xlsx_with_an_opening_password_is_named_as_such() -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100  # the container encrypted workbooks use
    assert "密码" in rejected(ole2, "a.xlsx").message
    assert ".xls" in rejected(ole2, "a.xls").message


def test_xlsx_with_broken_parts_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "garbage")
    assert rejected(buffer.getvalue(), "a.xlsx").code == "xlsx_unreadable"


def test_xlsx_zip_bomb_is_rejected_before_parsing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (tabular.RATIO_FLOOR + 1024))
    assert len(buffer.getvalue()) < 100_000
    assert rejected(buffer.getvalue(), "a.xlsx").code == "xlsx_too_large"


def test_xlsx_too_many_rows() -> None:
    data = xlsx_bytes([["XM", "SFZH"]] + [[f"n{i}", str(i)] for i in range(5)])
    assert rejected(data, "a.xlsx", max_rows=4).code == "too_many_rows"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (110105199001011232.0, "1.10105E+17"),
        (1e15, "1E+15"),
        (1.1e17, "1.1E+17"),
        (-2.5e20, "-2.5E+20"),
        (123456789012345.0, "123456789012345"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (4.0, "4"),
    ],
)
def test_excel_number(value: float, shown: str) -> None:
    assert excel_number(value) == shown


# --- shared row checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("20190901", dt.date(2019, 9, 1)),
        ("2019-09-01", dt.date(2019, 9, 1)),
        ("2019-0901", None),
        ("2019/09/01", None),
        ("20190230", None),
        ("18991231", None),
        ("２０１９０９０１", None),
        ("", None),
    ],
)
def test_parse_date(text: str, date: dt.date | None) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize("text", ["1.10105E+17", "1.1E17", "1.10105e+17", "11E-3", "2E+17", "１.１Ｅ＋１７"])
def test_scientific(text: str) -> None:
    assert is_scientific(text)


@pytest.mark.parametrize("text", ["110105199001011232", "E12345678", "1.5", "2021E", "2019E001", "18e1234"])
def test_not_scientific(text: str) -> None:
    assert not is_scientific(text)


# --- properties -----------------------------------------------------------------------------------

cell_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(',"\n'), max_size=12
).filter(lambda t: t == tabular._csv_cell(t).text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(cell_text.filter(bool), cell_text, cell_text), min_size=1, max_size=8),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_valid_rows_round_trip_through_csv(rows: list[tuple[str, str, str]], encoding: str) -> None:
    data = csv_bytes([["姓名", "SFZH", "学号"], *[list(r) for r in rows]], encoding)
    table = read_table(data, "a.csv", COLUMNS)
    assert table.encoding == encoding
    assert [(n, c["XM"].text, c["SFZH"].text, c["XH"].text) for n, c in table.rows] == [
        (n, *r) for n, r in enumerate(rows, start=2)
    ]


@settings(max_examples=300)
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_only_ever_raise_file_rejected(data: bytes) -> None:
    with contextlib.suppress(FileRejected):
        read_table(data, "x.csv", COLUMNS)


_WORKBOOK = xlsx_bytes([["XM", "SFZH"], ["a", "1"]])


@settings(max_examples=100, deadline=None)
@given(position=st.integers(0, len(_WORKBOOK) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_damaged_xlsx_only_ever_raises_file_rejected(position: int, byte: int, cut: bool) -> None:
    data = _WORKBOOK[:position] if cut else _WORKBOOK[:position] + bytes([byte]) + _WORKBOOK[position + 1 :]
    with contextlib.suppress(FileRejected):
        read_table(data, "x.xlsx", COLUMNS)
