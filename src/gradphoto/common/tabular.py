"""Reading an uploaded table once: CSV or XLSX from Chinese offices (PRODUCT.md "Interchange formats").

RELIABILITY.md §3.2 (REQ-CSV-01 … 10): the type is decided by content; CSV is decoded as a whole, UTF-8
(with or without BOM) first, then GB18030, never per cell; XLSX is streamed read-only after a zip-bomb
check; headers are matched by code or Chinese label; ID-like values are never repaired. The per-row
checks shared by the importers (`records.rows`, `photos.manifest`) are in `common.rowcheck`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from gradphoto.common.errors import DomainError

MAX_XLSX_BYTES = 200 * 1024 * 1024  # uncompressed, all members together
MAX_XLSX_RATIO = 50  # uncompressed / compressed, checked above RATIO_FLOOR
RATIO_FLOOR = 8 * 1024 * 1024
MAX_XLSX_MEMBERS = 10_000
MAX_COLUMNS = 256  # cells right of this column are never read
EXCEL_MAX_ROW = 1_048_576
MAX_RECORD_LINES = 20  # lines one CSV record may span (Alt+Enter breaks inside a cell)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
_INVISIBLE = "\ufeff\u200b"
_SAVE_AS = "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新上传"


class FileRejected(DomainError):
    """The whole file is unusable (PRODUCT.md: exit 2); `code` for machines, a one-line Chinese message."""

    code = "file_rejected"


@dataclass(frozen=True, slots=True)
class Cell:
    """One value as the office typed it: stripped text, and whether XLSX stored it as a number."""

    text: str
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    code: str
    label: str
    required: bool


@dataclass
class Table:
    """Data rows keyed by column code; a column absent from the file reads as an empty cell."""

    rows: list[tuple[int, dict[str, Cell]]]
    unknown_columns: list[str]
    encoding: str
    present_columns: list[str] = field(default_factory=list)  # codes found in the header, in file order


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one data row: `field` is a column code ("" for the whole row), message in Chinese."""

    row: int
    field: str
    code: str
    message: str


EMPTY = Cell("", False)


def read_table(data: bytes, filename: str, columns: list[Column], *, max_rows: int = 200_000) -> Table:
    """Read CSV or XLSX once into rows keyed by column code (REQ-CSV-01…10); raise FileRejected."""
    if not data.strip():
        raise FileRejected("文件是空的", code="empty")
    sheets: list[str] = []  # an XLSX's worksheet titles, once it is open
    if _looks_like_xlsx(data, filename):
        _check_zip_sizes(data)
        records: Generator[Sequence[Any], None, None] = _xlsx_records(data, sheets)
        encoding, to_cell, failure = "xlsx", _xlsx_cell, "xlsx_unreadable"
    else:
        text, encoding = decode_text(data)
        records, to_cell, failure = _csv_records(text), _csv_cell, "csv_unreadable"
    with contextlib.closing(records):
        try:
            return _build_table(records, to_cell, columns, max_rows, encoding)
        except FileRejected as exc:
            if len(sheets) > 1 and exc.code in ("missing_columns", "empty"):  # the data is on another sheet?
                note = f"（只读取第一个工作表「{sheets[0]}」，数据请放在第一个工作表）"
                raise FileRejected(exc.message + note, code=exc.code) from exc
            raise
        except Exception as exc:  # openpyxl, zipfile, XML and csv errors surface while streaming
            detail = "Excel 文件已损坏，无法读取" if failure == "xlsx_unreadable" else "CSV 文件格式错误"
            raise FileRejected(f"{detail}：{type(exc).__name__}", code=failure) from exc


def _looks_like_xlsx(data: bytes, filename: str) -> bool:
    """Content decides (REQ-CSV-01); a .xlsx name only turns a broken workbook into xlsx_unreadable."""
    if data.startswith(_OLE2_MAGIC):  # an .xlsx with an opening password is stored in this container too
        if filename.lower().endswith((".xlsx", ".xlsm")):
            message = "这个 Excel 文件设了打开密码（已加密），无法读取；请取消密码后另存为 .xlsx 再上传"
            raise FileRejected(message, code="unsupported_format")
        raise FileRejected("不支持旧版 Excel（.xls）文件，" + _SAVE_AS, code="unsupported_format")
    if data.startswith(b"%PDF"):
        raise FileRejected("文件是 PDF，不是表格；" + _SAVE_AS, code="unsupported_format")
    is_zip = data.startswith(_ZIP_MAGIC) or zipfile.is_zipfile(io.BytesIO(data))
    if not is_zip:
        if filename.lower().endswith((".xlsx", ".xlsm")) and b"\x00" in data[:4096]:
            raise FileRejected("Excel 文件已损坏，无法读取", code="xlsx_unreadable")
        return False  # text: a CSV renamed .xlsx is read as the CSV it is
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRejected("Excel 文件已损坏，无法读取", code="xlsx_unreadable") from exc
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise FileRejected("文件是压缩包而不是 Excel 工作簿；" + _SAVE_AS, code="unsupported_format")
    return True


def _check_zip_sizes(data: bytes) -> None:
    """Zip-bomb guard (REQ-ZIP-01): member count, total declared size, and compression ratio."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    too_big = total > MAX_XLSX_BYTES or (total > RATIO_FLOOR and total > MAX_XLSX_RATIO * len(data))
    if too_big or len(infos) > MAX_XLSX_MEMBERS:
        raise FileRejected("Excel 文件解压后过大或压缩比异常，不像正常的表格，已拒绝", code="xlsx_too_large")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a whole CSV once: BOM → utf-8-sig, else strict UTF-8, else GB18030 (REQ-CSV-01/02)."""
    if b"\x00" in data:
        message = "文件含有二进制内容或是 UTF-16 编码，不是 CSV 文本；"
        raise FileRejected(message + _SAVE_AS, code="encoding")
    for encoding in ("utf-8-sig", "gb18030") if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected("无法识别文件编码（不是 UTF-8 也不是 GBK/GB18030）；" + _SAVE_AS, code="encoding")


def _csv_records(text: str) -> Generator[Sequence[Any], None, None]:
    """Comma-separated records as Excel numbers them: a quoted field may span lines (no sniffing).

    Strict: a quote left open, or text after a closing quote, rejects the file with the line where that
    record began, and so does a record over MAX_RECORD_LINES lines (a stray quote closed by another one
    far below): read leniently, the rows in between would vanish into one cell.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    began = 1
    try:
        for values in reader:
            if reader.line_num - began >= MAX_RECORD_LINES:
                raise _unpaired_quote(began, reader.line_num - began + 1)
            began = reader.line_num + 1
            yield values
    except csv.Error as exc:
        raise _unpaired_quote(began, reader.line_num - began + 1) from exc


def _unpaired_quote(line: int, lines: int) -> FileRejected:
    if lines > 1:
        problem = f'第 {line} 行起的一条记录跨了 {lines} 行，多半是该行有一个没有配对的英文引号（"）'
    else:
        problem = f'第 {line} 行的英文引号（"）没有配对，或引号后面紧跟着文字'
    message = f"CSV 文件格式错误：{problem}；请检查该行，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新上传"
    return FileRejected(message, code="csv_unreadable")


def _xlsx_records(data: bytes, sheets: list[str]) -> Generator[Sequence[Any], None, None]:
    """Values of the first worksheet, one tuple per Excel row, gaps included (read-only, cached values);
    the titles of all worksheets go to ``sheets``."""
    import openpyxl  # imported here: only XLSX uploads pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise FileRejected("Excel 文件已损坏，无法读取", code="xlsx_unreadable") from exc
    try:
        if not workbook.worksheets:
            raise FileRejected("Excel 文件中没有工作表", code="xlsx_unreadable")
        sheets.extend(str(ws.title) for ws in workbook.worksheets)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a lying <dimension> must not make us walk a million empty rows
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    finally:
        workbook.close()


def _csv_cell(value: Any) -> Cell:
    """CSV text, stripped (also BOM and zero-width space); numeric is always False."""
    text = str(value).strip()
    if text and (text[0] in _INVISIBLE or text[-1] in _INVISIBLE):
        text = text.strip(_INVISIBLE).strip()
    return Cell(text) if text else EMPTY


def _xlsx_cell(value: Any) -> Cell:
    """An XLSX value as Excel shows it: numbers flagged numeric, dates as YYYY-MM-DD (REQ-CSV-05/07)."""
    if type(value) is str:  # the common case first: 100k-row workbooks hold millions of cells
        return _csv_cell(value)
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return Cell("TRUE" if value else "FALSE")
    if isinstance(value, int):
        return Cell(str(value), True)
    if isinstance(value, float):
        return Cell(excel_number(value), True)
    if isinstance(value, dt.datetime | dt.date):
        return Cell(f"{value.year:04d}-{value.month:02d}-{value.day:02d}")
    return _csv_cell(value)


def excel_number(value: float) -> str:
    """How Excel's General format shows a float: 15 significant digits, `1.10105E+17` from 1e15 up."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:
        mantissa, exponent = f"{value:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{exponent[0]}{int(exponent[1:]):02d}"
    if value.is_integer():
        return str(int(value))
    return format(value, ".15g")


def _fold(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip().strip("\ufeff\u200b").strip().upper()


def _match_header(header: list[Cell], columns: list[Column], row: int) -> tuple[dict[int, str], list[str]]:
    """Header cell → column code by code (any case) or exact Chinese label (REQ-CSV-03)."""
    by_key = {_fold(c.code): c for c in columns} | {_fold(c.label): c for c in columns}
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        column = by_key.get(_fold(cell.text)) if cell.text else None
        if column is None:
            if cell.text and cell.text not in unknown:
                unknown.append(cell.text)
            continue
        if column.code in seen:
            where = f"第 {seen[column.code] + 1} 列和第 {index + 1} 列"
            message = f"第 {row} 行表头中“{column.label}({column.code})”出现了两次（{where}）"
            raise FileRejected(message, code="duplicate_column")
        seen[column.code] = index
        positions[index] = column.code
    missing = [f"{c.label}({c.code})" for c in columns if c.required and c.code not in seen]
    if missing:
        hint = "" if positions else "；未识别出任何列，请检查表头是否在第一行、文件编码是否正确"
        raise FileRejected("缺少必需的列：" + "、".join(missing) + hint, code="missing_columns")
    return positions, unknown


def _build_table(
    records: Iterator[Sequence[Any]],
    to_cell: Callable[[Any], Cell],
    columns: list[Column],
    max_rows: int,
    encoding: str,
) -> Table:
    """First non-empty row is the header; fully empty rows are skipped; row numbers are Excel's."""
    reader: _RowReader | None = None
    table = Table(rows=[], unknown_columns=[], encoding=encoding)
    for number, values in enumerate(records, start=1):
        if number > EXCEL_MAX_ROW:
            raise FileRejected(f"表格超过 Excel 的 {EXCEL_MAX_ROW} 行上限", code="too_many_rows")
        if reader is None:
            filled = [i for i, v in enumerate(values) if not _blank(v)]
            if filled:
                header = [to_cell(v) for v in values]
                positions, table.unknown_columns = _match_header(header, columns, number)
                table.present_columns = list(positions.values())
                reader = _RowReader(positions, to_cell, columns, width=filled[-1] + 1)
            continue
        cells = reader.cells(values)
        if cells is None:
            continue
        if len(table.rows) >= max_rows:
            raise FileRejected(f"数据超过 {max_rows} 行上限，请拆分后分批导入", code="too_many_rows")
        table.rows.append((number, cells))
    if reader is None:
        raise FileRejected("文件中没有内容", code="empty")
    if not table.rows:
        raise FileRejected("文件中只有表头，没有数据行", code="empty")
    return table


class _RowReader:
    """Turns one data row into cells keyed by column code; hot path (millions of cells per upload)."""

    def __init__(
        self, positions: dict[int, str], to_cell: Callable[[Any], Cell], columns: list[Column], width: int
    ) -> None:
        self.positions = sorted(positions.items())
        self.to_cell = to_cell
        self.template = {c.code: EMPTY for c in columns}
        self.width = width  # cells right of the last header are never read
        self.memo: dict[str, Cell] = {}  # repeated texts (本科, 男, 10001) share one Cell

    def cells(self, values: Sequence[Any]) -> dict[str, Cell] | None:
        """The known columns of one row; None for a fully empty row (skipped)."""
        cells = self.template.copy()
        filled = False
        count = len(values)
        for index, code in self.positions:
            if index < count:
                value = values[index]
                cell = self.memo.get(value) if type(value) is str else None
                if cell is None:
                    cell = self.to_cell(value)
                    if type(value) is str:
                        self.memo[value] = cell
                if cell.text:
                    cells[code] = cell
                    filled = True
        if filled or not all(_blank(v) for v in values[: self.width]):
            return cells
        return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
