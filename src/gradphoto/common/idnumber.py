"""Chinese resident ID numbers, GB 11643-1999 (DOMAIN.md §11).

Pure functions over strings; a check costs a few microseconds (no regex engine on the hot path
beyond one fullmatch, no date parsing library).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＸＸｘ"}
_FULLWIDTH[ord("ｘ")] = ord("X")
_FULLWIDTH[ord("Ｘ")] = ord("X")
_RE18 = re.compile(r"[0-9]{17}[0-9X]")  # not \d: that also matches Arabic-Indic and other Unicode digits
_RE15 = re.compile(r"[0-9]{15}")


class IdNumberError(ValueError):
    """An ID number that is not valid; `code` is stable for machines."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise(raw: str) -> str:
    """Trim, full-width → half-width, lower-case x → X (§11.4 rule 1); no other repair."""
    return raw.strip().translate(_FULLWIDTH).replace("x", "X").replace(" ", "")


def check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 body digits (§11.2)."""
    total = 0
    for digit, weight in zip(body17, WEIGHTS, strict=True):
        total += (ord(digit) - 48) * weight
    return CHECK_CHARS[total % 11]


def _birth_date(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


@dataclass(frozen=True)
class ResidentId:
    """A valid 18-digit resident ID number and what it encodes."""

    number: str

    @property
    def address_code(self) -> str:
        return self.number[:6]

    @property
    def birth_date(self) -> dt.date:
        date = _birth_date(self.number[6:14])
        assert date is not None
        return date

    @property
    def sex(self) -> str:
        """'男' for an odd sequence digit, '女' for an even one (§11.1)."""
        return "男" if int(self.number[16]) % 2 else "女"

    @property
    def masked(self) -> str:
        return mask(self.number)


def upgrade15(number15: str) -> str:
    """A first-generation 15-digit number as its 18-digit form (§11.3)."""
    body = number15[:6] + "19" + number15[6:]
    return body + check_char(body)


# First two digits of the address code (GB/T 2260, every code 1981–2024 in common/data/areacodes.csv),
# plus 83 of the Taiwan residents' residence permit (81 and 82 are listed). Only the province is checked:
# a county code missing from the list must not lock a real student out (RELIABILITY.md CSV-06).
PROVINCES = frozenset(
    {
        *("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"),
        *("65", "71", "81", "82", "83"),
    }
)


def parse(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate and normalise a resident ID (18 digits, or 15 upgraded); raise IdNumberError."""
    number = normalise(raw)
    if _RE15.fullmatch(number):
        if _birth_date("19" + number[6:12]) is None:
            raise IdNumberError("id_birth_date", "身份证号中的出生日期不存在")
        _check_province(number)
        return ResidentId(upgrade15(number))
    if len(number) != 18 or not _RE18.fullmatch(number):
        raise IdNumberError("id_format", "身份证号应为18位，前17位为数字，最后一位为数字或X")
    birth = _birth_date(number[6:14])
    if birth is None or birth.year < 1900:
        raise IdNumberError("id_birth_date", "身份证号中的出生日期不存在")
    if birth > (today or dt.date.today()):
        raise IdNumberError("id_birth_date", "身份证号中的出生日期晚于今天")
    if check_char(number[:17]) != number[17]:
        raise IdNumberError("id_checksum", "身份证号校验位不正确")
    _check_province(number)
    return ResidentId(number)


def _check_province(number: str) -> None:
    if number[:2] not in PROVINCES:
        raise IdNumberError("id_address", f"身份证号前两位“{number[:2]}”不是省级行政区代码")


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def mask(number: str) -> str:
    """First 6 (address) and last 4 kept, birth date hidden: 110105********002X (RELIABILITY §4.3).

    A shorter number (a passport, a permit, a mistyped ID as collected) keeps only its first character
    and last 2, so that no more than a quarter of it shows; 6 characters or fewer show none.
    """
    number = normalise(number)
    if len(number) <= 6:
        return "*" * len(number)
    if len(number) < 15:
        return number[:1] + "*" * (len(number) - 3) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


_COMPOUND_SURNAMES = (
    "欧阳 司马 诸葛 上官 尉迟 万俟 东方 皇甫 令狐 公孙 慕容 夏侯 长孙 宇文 轩辕 端木 "
    "司徒 申屠 独孤 南宫 闻人 澹台 公冶 呼延 太史 钟离 濮阳 赫连 拓跋 西门 司空 第五"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES.split())


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳** : the surname only (RELIABILITY REQ-MK-03)."""
    if not name:
        return ""
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)
