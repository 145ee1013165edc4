"""Normalising names and ID numbers before comparing them (LINKAGE.md §2, §5.1 step 1).

Pure functions, cached per character: a name costs a few microseconds, so a million rows normalise
in seconds (pypinyin's phrase lookup costs ~100 µs a name and is not used on the hot path).
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from pypinyin import Style, pinyin

from gradphoto.common import idnumber
from gradphoto.common.idnumber import CHECK_CHARS, COMPOUND_SURNAMES, WEIGHTS, check_char

DATA = Path(__file__).resolve().parent.parent / "data"
AREA_CODES = Path(__file__).resolve().parents[2] / "common" / "data" / "areacodes.csv"
WILDCARD = "?"
# pypinyin reads an isolated surname with its common reading (LINKAGE.md §2.1 table): 单 dan, not shàn.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "召": "shao",
    "繁": "po",
    "种": "chong",
    "秘": "bi",
    "隗": "wei",
    "翟": "zhai",
    "员": "yun",
    "万俟": "moqi",
    "尉迟": "yuchi",
}
# NFKC has already made '．' a '.': a full stop typed between the parts of a name is the middle dot too.
_DOTS = {ord(c): "·" for c in "•．・‧∙⋅・.。"}
_BLANKS = {ord(c): None for c in " \t\u3000\u00a0\u200b\ufeff"}


@cache
def _t2s() -> dict[int, str]:
    """Traditional and variant characters → simplified (OpenCC data, linking/data/SOURCES.md)."""
    table: dict[int, str] = {}
    for line in (DATA / "t2s_characters.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, target = line.split("\t")
            table[ord(source)] = target
    return table


@cache
def _after_nfkc() -> dict[int, str | None]:
    """One translation after NFKC: blanks out, one middle dot, '？' and private-use characters (a rare
    character the typist could not enter) as the wildcard, traditional and variant forms simplified."""
    table: dict[int, str | None] = {c: WILDCARD for c in range(0xE000, 0xF900)}
    return table | _t2s() | _BLANKS | _DOTS | {ord("？"): WILDCARD}


@lru_cache(maxsize=1 << 18)
def normalise_name(raw: str) -> str:
    """NFKC, no spaces, one middle dot, simplified forms, '?' / private-use as a wildcard (§2.1); Latin
    letters (a passport holder's name) in capitals, as passports print them: John Smith is JOHNSMITH."""
    if not unicodedata.is_normalized("NFKC", raw):
        raw = unicodedata.normalize("NFKC", raw)
    return raw.translate(_after_nfkc()).upper()


def split_surname(name: str) -> tuple[str, str]:
    """Surname and given name; compound surnames (欧阳, 万俟…) first (LINKAGE.md §2.1)."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


@cache
def readings(char: str) -> frozenset[str]:
    """Every toneless reading of one character (heteronyms included); the character itself if none."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")
    return frozenset(found[0]) if found and found[0] else frozenset({char})


@cache
def reading(char: str) -> str:
    """The common toneless reading of one character (pypinyin's first)."""
    found = pinyin(char, style=Style.NORMAL, errors="default")
    return found[0][0] if found and found[0] else char


@lru_cache(maxsize=1 << 18)
def pinyin_key(name: str) -> str:
    """Toneless pinyin of a normalised name, surname by its surname reading: 单伟 → shanwei."""
    if not name:
        return ""
    surname, given = split_surname(name.replace("·", ""))
    head = SURNAME_READINGS.get(surname) or "".join(map(reading, surname))
    key = (head + "".join(map(reading, given)))[:64]
    if WILDCARD in name and WILDCARD not in key:  # cut off: the database's T4 looks for it in the key
        key = key[:63] + WILDCARD
    return key


# --- ID numbers ---------------------------------------------------------------------------------------


def id_key(raw: str) -> str:
    """The collected ID normalised (width, case, spaces, hyphens), 15 digits upgraded; never repaired."""
    if len(raw) == 18 and raw.isascii() and raw.isalnum() and "x" not in raw:
        return raw  # already normal (most rows): what the steps below would return, in four C calls
    number = idnumber.normalise(raw).replace("-", "")
    if len(number) == 15 and number.isdigit():
        return idnumber.upgrade15(number)
    return number[:20]


def fast_check_char(body17: str) -> str:
    """check_char in one C call: the weights are 2^(17-i) mod 11 and 13 ≡ 2 (mod 11), so
    Σ dᵢ·wᵢ ≡ 2·int(body, 13) (mod 11). Equal to idnumber.check_char (tested); digits only."""
    return CHECK_CHARS[2 * int(body17, 13) % 11]


def id_is_valid(number: str, today: dt.date | None = None) -> bool:
    """GB 11643: 18 characters, a real birth date, the MOD 11-2 check character (DOMAIN.md §11)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return fast_check_char(number[:17]) == number[17] and birth_of(number, today) != ""


def birth_of(number: str, today: dt.date | None = None) -> str:
    """The birth date digits of an ID (YYYYMMDD) when they form a plausible date, else ''."""
    if len(number) < 14:
        return ""
    digits = number[6:14]
    if today is None:
        return digits if _plausible(digits) else ""
    born = _date(digits)
    return digits if born is not None and dt.date(1900, 1, 1) <= born <= today else ""


def _date(digits: str) -> dt.date | None:
    if not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


@lru_cache(maxsize=1 << 16)
def _plausible(digits: str) -> bool:
    """A real date from 1900 to today (cached: a cohort shares a few thousand birth dates)."""
    born = _date(digits)
    return born is not None and dt.date(1900, 1, 1) <= born <= dt.date.today()


@cache
def area_codes() -> frozenset[str]:
    """Every historical address code 1981–2024 (an ID keeps the code of first registration)."""
    with AREA_CODES.open(encoding="utf-8-sig") as handle:
        return frozenset(row["代码"] for row in csv.DictReader(handle))


def _area_ok(code: str) -> bool:
    """Historical GB/T 2260 codes, plus 81/82/83 (HK, Macau, Taiwan residence permits) (§2.2)."""
    return code in area_codes() or code[:2] in ("81", "82", "83")


def one_edit_variants(number: str) -> list[str]:
    """Every string one substitution or one adjacent transposition away from an 18-character ID."""
    if len(number) != 18:
        return []
    out: list[str] = []
    for i, current in enumerate(number):
        alphabet = "0123456789X" if i == 17 else "0123456789"
        out.extend(number[:i] + c + number[i + 1 :] for c in alphabet if c != current)
        if i < 17 and number[i] != number[i + 1]:
            out.append(number[:i] + number[i + 1] + number[i] + number[i + 2 :])
    return out


# w⁻¹ mod 11 for each weight: the one digit that gives position i a wanted sum is solved, not searched.
_INVERSE = {weight: pow(weight, -1, 11) for weight in set(WEIGHTS)}


def _checksum_variants(number: str) -> list[str]:
    """The one-edit variants whose check character is right, found by solving the weighted sum.

    MOD 11-2 is linear: changing digit i by δ changes the sum by δ·wᵢ, and wᵢ is invertible mod 11, so
    at most one digit at each position gives the typed check character (LINKAGE.md §2.2: ~18 survive of
    ~180); equal to filtering one_edit_variants (tested).
    """
    digits = [ord(c) - 48 for c in number[:17]]
    total = sum(d * w for d, w in zip(digits, WEIGHTS, strict=True))
    check, body = number[17], number[:17]
    found = [body + CHECK_CHARS[total % 11]] if CHECK_CHARS[total % 11] != check else []
    target = CHECK_CHARS.find(check)  # the sum mod 11 that gives the typed check character
    if target < 0:
        return found
    for i, weight in enumerate(WEIGHTS):
        digit = (target - total + digits[i] * weight) * _INVERSE[weight] % 11
        if digit < 10 and digit != digits[i]:
            found.append(number[:i] + chr(48 + digit) + number[i + 1 :])
        if i < 16 and digits[i] != digits[i + 1]:
            delta = (digits[i + 1] - digits[i]) * weight + (digits[i] - digits[i + 1]) * WEIGHTS[i + 1]
            if CHECK_CHARS[(total + delta) % 11] == check:
                found.append(number[:i] + number[i + 1] + number[i] + number[i + 2 :])
    if number[16] != number[17] and number[17].isdigit():
        swapped = number[:16] + number[17] + number[16]
        if check_char(swapped[:17]) == swapped[17]:
            found.append(swapped)
    return found


def id_repairs(number: str, today: dt.date | None = None) -> list[str]:
    """Valid IDs one substitution or adjacent swap from an invalid one (check digit prunes, §2.2)."""
    if len(number) != 18 or not number[:17].isdigit() or id_is_valid(number, today):
        return []
    return [c for c in _checksum_variants(number) if _area_ok(c[:6]) and birth_of(c, today)]


def excel_truncated(number: str) -> bool:
    """An 18-digit ID ending in 000 that fails its check: Excel kept 15 significant digits (§2.2)."""
    return len(number) == 18 and number.endswith("000") and not id_is_valid(number)
