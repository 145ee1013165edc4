"""Per-row checks shared by the importers (`records.rows`, `photos.manifest`): one `RowCheck` per data row
collects every error of the row (code + Chinese message); a row with any error is rejected whole.

Identifiers (身份证号, 学号, 考生号, 采集号) must be text: a numeric XLSX cell or scientific notation is an
error, never repaired (REQ-CSV-05); full-width characters in them are folded (NFKC, REQ-CSV-08), so that
`Ｒ１０２９５０` and `R102950` are one key. Text may not hide line breaks, control or zero-width characters.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from gradphoto.common.tabular import EMPTY, Cell, RowError

# Excel's 1.10105E+17; 1.1E17 and 2E+17 too. Without a decimal point the exponent's sign is required, so
# that a student number such as 2019E001 is not mistaken for a number.
_SCIENTIFIC = re.compile(r"[0-9]+\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-][0-9]+")
_DATE = re.compile(r"([0-9]{4})(-?)([0-9]{2})\2([0-9]{2})")
# Line breaks (Alt+Enter in Excel), other control characters, zero-width and direction marks (pasted from
# web pages): invisible in the file, they would make two equal names or numbers differ.
HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


def parse_date(text: str) -> dt.date | None:
    """`YYYYMMDD` or `YYYY-MM-DD` (PRODUCT.md), a real calendar date from 1900 on; else None."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        date = dt.date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:
        return None
    return date if date.year >= 1900 else None


def is_scientific(text: str) -> bool:
    """`1.10105E+17`, `1.1E17`: a number Excel has already rounded (REQ-CSV-05 b)."""
    return _SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", text)) is not None


class RowCheck:
    """Collects every error of one data row; a row with any error is rejected whole."""

    def __init__(self, row: int, cells: dict[str, Cell], labels: dict[str, str]) -> None:
        self.row = row
        self.cells = cells
        self.labels = labels
        self.errors: list[RowError] = []

    def text(self, code: str) -> str:
        """The stripped text of a column ("" when empty or absent from the file)."""
        return self.cells.get(code, EMPTY).text

    def fail(self, field: str, code: str, message: str) -> None:
        """Record one error; the row is then rejected whole."""
        self.errors.append(RowError(self.row, field, code, message))

    def required(self, code: str) -> str:
        """The text of a required column; an empty one is a `required` error."""
        text = self.text(code)
        if not text:
            self.fail(code, "required", f"{self.labels[code]}不能为空")
        return text

    def max_length(self, code: str, text: str, limit: int) -> bool:
        """`too_long` when the text does not fit the stored column."""
        if len(text) <= limit:
            return True
        self.fail(code, "too_long", f"{self.labels[code]}不能超过 {limit} 个字符（现有 {len(text)} 个）")
        return False

    def identifier(
        self, code: str, *, required: bool, limit: int = 20, whole_numbers: bool = False
    ) -> str | None:
        """ID/学号/考生号 must be text: numeric cell or scientific notation is an error, never repaired."""
        cell = self.cells.get(code, EMPTY)
        text = self.required(code) if required else cell.text
        if not text:
            return None
        label = self.labels[code]
        if cell.numeric and not (whole_numbers and text.isdigit()):  # whole_numbers: Excel shows them whole
            message = (
                f"{label}在 Excel 中是数字格式，可能已丢失前导零或末尾数字；请把该列设为“文本”格式后重新输入"
            )
            self.fail(code, "numeric_cell", message)
            return None
        if is_scientific(text):
            message = f"{label}“{text}”是科学计数法，原号码已丢失；请把该列设为“文本”格式后重新输入"
            self.fail(code, "id_scientific", message)
            return None
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)  # Ｒ１０２９５０ is R102950
        if not self.plain(code, text):
            return None
        return text if self.max_length(code, text, limit) else None

    def plain(self, code: str, text: str) -> bool:
        """`hidden_character` when the text holds a line break, a control or a zero-width character."""
        if text.isprintable() or not (found := HIDDEN.search(text)):
            return True
        what = "换行" if found[0] in "\r\n\u2028\u2029" else f"不可见字符 U+{ord(found[0]):04X}"
        message = f"{self.labels[code]}中有{what}（第 {found.start() + 1} 个字符处）；请删除后重新导入"
        self.fail(code, "hidden_character", message)
        return False

    def date(self, code: str, *, required: bool) -> dt.date | None:
        """A `YYYYMMDD` / `YYYY-MM-DD` date; anything else is `bad_date`."""
        text = self.required(code) if required else self.text(code)
        if not text:
            return None
        date = parse_date(text)
        if date is None:
            message = f"{self.labels[code]}“{text}”不是有效日期，应为 YYYYMMDD 或 YYYY-MM-DD，如 20190901"
            self.fail(code, "bad_date", message)
        return date
