"""What a clerk's hand-edited file does to a table: a stray quote, full-width codes, hidden characters
(RELIABILITY.md REQ-CSV-08). No database."""

from __future__ import annotations

import pytest

from gradphoto.common.rowcheck import RowCheck
from gradphoto.common.tabular import Cell, Column, FileRejected, read_table

COLUMNS = [Column("XM", "姓名", True), Column("XH", "学号", False), Column("ZY", "专业", False)]
LABELS = {c.code: c.label for c in COLUMNS}


def rows_text(lines: list[str]) -> bytes:
    return ("\r\n".join(["XM,XH,ZY", *lines]) + "\r\n").encode("utf-8")


def test_a_quote_left_open_rejects_the_file_naming_the_line_instead_of_swallowing_the_rows_below():
    lines = [f"学生{i},S{i},法学" for i in range(200)]
    lines[1] = '学生1,S1,"计算机科学与技术'  # the clerk's stray quote, never closed
    with pytest.raises(FileRejected) as raised:
        read_table(rows_text(lines), "records.csv", COLUMNS)
    assert raised.value.code == "csv_unreadable"
    assert "第 3 行" in raised.value.message and "引号" in raised.value.message


def test_a_stray_quote_closed_far_below_is_refused_too():
    lines = [f"学生{i},S{i},法学" for i in range(60)]
    lines[1] = '学生1,S1,"计算机'
    lines[50] = '学生50,S50,法学"'  # closes the first one: 49 rows would become one cell
    with pytest.raises(FileRejected) as raised:
        read_table(rows_text(lines), "records.csv", COLUMNS)
    assert "第 3 行" in raised.value.message


def test_text_after_a_closing_quote_is_refused():
    with pytest.raises(FileRejected) as raised:
        read_table(rows_text(['"张三"丰,S1,法学']), "records.csv", COLUMNS)
    assert raised.value.code == "csv_unreadable" and "第 2 行" in raised.value.message


def test_a_quoted_cell_with_a_line_break_as_excel_writes_it_still_reads():
    table = read_table(rows_text(['张三,S1,"计算机科学\n与技术"', "李四,S2,法学"]), "records.csv", COLUMNS)
    assert [number for number, _ in table.rows] == [2, 3]  # Excel's row numbers: one row each
    assert table.rows[0][1]["ZY"].text == "计算机科学\n与技术"


def check_of(**cells: Cell) -> RowCheck:
    return RowCheck(2, dict(cells), LABELS)


def test_a_full_width_student_number_is_the_same_key_as_its_ascii_form():
    assert check_of(XH=Cell("Ｒ１０２９５０")).identifier("XH", required=True) == "R102950"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2021\u200b001", "U+200B"),
        ("2021\n001", "换行"),
        ("2021\t001", "U+0009"),
        ("\u202e2021001", "U+202E"),
    ],
)
def test_hidden_characters_in_a_code_are_refused_and_named(text, shown):
    check = check_of(XH=Cell(text))
    assert check.identifier("XH", required=True) is None
    [error] = check.errors
    assert (error.field, error.code) == ("XH", "hidden_character") and shown in error.message


def test_plain_text_passes_and_a_full_width_space_is_not_hidden():
    check = check_of()
    assert (
        check.plain("ZY", "计算机科学与技术") and check.plain("ZY", "法学　（双学位）") and not check.errors
    )


def test_data_on_a_second_sheet_is_refused_naming_the_sheet_that_was_read():
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "填表说明"
    first["A1"] = "请在第二个工作表填写"
    data_sheet = workbook.create_sheet("学籍")
    data_sheet.append(["XM", "XH"])
    data_sheet.append(["张三", "S1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(FileRejected) as raised:
        read_table(buffer.getvalue(), "records.xlsx", COLUMNS)
    assert raised.value.code == "missing_columns" and "「填表说明」" in raised.value.message
