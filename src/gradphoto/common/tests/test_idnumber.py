"""Resident ID numbers, GB 11643-1999 (DOMAIN.md §11). Pure functions: no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradphoto.common import idnumber
from gradphoto.common.idnumber import IdNumberError, check_char, mask, mask_name, normalise, parse

TODAY = dt.date(2025, 6, 1)


def _code(raw: str) -> str:
    with pytest.raises(IdNumberError) as info:
        parse(raw, today=TODAY)
    return info.value.code


def _with_check(body17: str) -> str:
    return body17 + check_char(body17)


# --- §11.3 test vectors ---------------------------------------------------------------------------


def test_worked_example_11010519491231002x() -> None:
    rid = parse("11010519491231002X", today=TODAY)
    assert rid.number == "11010519491231002X"
    assert rid.address_code == "110105"
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex == "女"
    assert check_char("11010519491231002") == "X"


def test_worked_example_sum() -> None:
    body = "11010519491231002"
    total = sum(int(d) * w for d, w in zip(body, idnumber.WEIGHTS, strict=True))
    assert total == 167
    assert total % 11 == 2


def test_360426199101010071_male() -> None:
    rid = parse("360426199101010071", today=TODAY)
    assert rid.birth_date == dt.date(1991, 1, 1)
    assert rid.sex == "男"  # sequence 007, odd


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "女"),
        ("360426199101010071", dt.date(1991, 1, 1), "男"),
        ("120103198806018241", dt.date(1988, 6, 1), "女"),
        ("230306196304054513", dt.date(1963, 4, 5), "男"),
    ],
)
def test_valid_vectors(number: str, birth: dt.date, sex: str) -> None:
    rid = parse(number, today=TODAY)
    assert rid.number == number
    assert rid.birth_date == birth
    assert rid.sex == sex
    assert idnumber.is_valid(number)


@pytest.mark.parametrize("number", ["360426199101010072", "230307196304054513"])
def test_invalid_checksum_vectors(number: str) -> None:
    assert _code(number) == "id_checksum"
    assert not idnumber.is_valid(number)


# --- 15 → 18 --------------------------------------------------------------------------------------


def test_upgrade15() -> None:
    assert idnumber.upgrade15("110105491231002") == "11010519491231002X"


def test_parse_15_digit_returns_upgraded_form() -> None:
    rid = parse("110105491231002", today=TODAY)
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex == "女"


def test_15_digit_impossible_date() -> None:
    assert _code("110105490230002") == "id_birth_date"


# --- normalisation (§11.4 rule 1) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "  11010519491231002X  ",
        "\t11010519491231002X\n",
        "\u300011010519491231002X\u3000",  # ideographic space
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "１１０１０５１９４９１２３１００２ｘ",  # full-width digits and x
        " １１０１０５19491231002x ",
    ],
)
def test_normalised_inputs_parse(raw: str) -> None:
    assert normalise(raw) == "11010519491231002X"
    assert parse(raw, today=TODAY).number == "11010519491231002X"


# --- error codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "1101051949123100",  # 16
        "11010519491231002",  # 17
        "11010519491231002X1",  # 19
        "1101051949123100211",  # 19 digits
        "11010519491231A02X",  # letter in the body
        "X1010519491231002X",  # X not last
        "1101051949123100Y2",
        "11010519491231002Y",  # wrong final letter
        "110105-19491231-002X",
        "11010549123100A",  # 15 with a letter
        "1101054912310021",  # 16
    ],
)
def test_id_format(raw: str) -> None:
    assert _code(raw) == "id_format"


def test_unicode_digits_other_than_fullwidth_are_rejected() -> None:
    # Arabic-Indic digits are \d for Python's re and int(); this one even passed the (wrong) checksum.
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assert _code("11010519900101000".translate(arabic) + "2") == "id_format"
    assert _code("110105491231002".translate(arabic)) == "id_format"


@pytest.mark.parametrize(
    "date",
    ["19990230", "19990229", "19991301", "19990001", "19990100", "19990431", "18991231", "00000000"],
)
def test_impossible_or_too_old_birth_date(date: str) -> None:
    assert _code(_with_check("110105" + date + "002")) == "id_birth_date"


def test_leap_day_is_valid() -> None:
    assert parse(_with_check("11010520000229002"), today=TODAY).birth_date == dt.date(2000, 2, 29)


def test_future_birth_date() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    assert _code(_with_check("110105" + tomorrow.strftime("%Y%m%d") + "002")) == "id_birth_date"
    assert _code(_with_check("11010520300101002")) == "id_birth_date"


def test_born_today_is_valid() -> None:
    number = _with_check("110105" + TODAY.strftime("%Y%m%d") + "002")
    assert parse(number, today=TODAY).birth_date == TODAY


def test_future_uses_real_today_by_default() -> None:
    future = dt.date.today() + dt.timedelta(days=2)
    number = _with_check("110105" + future.strftime("%Y%m%d") + "002")
    with pytest.raises(IdNumberError) as info:
        parse(number)
    assert info.value.code == "id_birth_date"


def test_bad_checksum() -> None:
    assert _code("110105194912310021") == "id_checksum"
    assert _code("11010519491231002x".replace("x", "9")) == "id_checksum"


def test_error_carries_message() -> None:
    with pytest.raises(IdNumberError) as info:
        parse("360426199101010072", today=TODAY)
    assert isinstance(info.value, ValueError)
    assert info.value.message == str(info.value)
    assert "校验位" in info.value.message


# --- masking --------------------------------------------------------------------------------------


def test_mask_18() -> None:
    assert mask("11010519491231002X") == "110105********002X"
    assert mask(" 11010519491231002x ") == "110105********002X"
    assert parse("11010519491231002X", today=TODAY).masked == "110105********002X"


def test_mask_short_values() -> None:
    assert mask("") == ""
    assert mask("1234") == "****"
    assert mask("12345678") == "1*****78"
    assert mask("E12345678") == "E******78"  # a passport
    assert mask("H1234567801") == "H********01"  # a Hong Kong / Macau permit: 3 of 11 shown
    assert mask("110105491231002") == "110105*****1002"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("张", "张*"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --- properties -----------------------------------------------------------------------------------

_digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(idnumber.PROVINCES)))
    address = province + draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    return address + birth.strftime("%Y%m%d") + sequence


valid_numbers = bodies().map(_with_check)


@given(bodies())
def test_body_plus_check_char_parses_and_round_trips(body: str) -> None:
    number = body + check_char(body)
    rid = parse(number, today=TODAY)
    assert rid.number == number
    assert rid.address_code == body[:6]
    assert rid.birth_date.strftime("%Y%m%d") == body[6:14]
    assert rid.sex == ("男" if int(body[16]) % 2 == 1 else "女")
    assert parse(number.lower(), today=TODAY) == rid


@given(valid_numbers, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_substitution_is_rejected(number: str, position: int, replacement: str) -> None:
    if replacement == number[position]:
        replacement = "0" if number[position] != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    # In the body an X is a format error; in the date part the date may become impossible or
    # future (id_birth_date); otherwise MOD 11-2 catches it (every weight is non-zero mod 11).
    with pytest.raises(IdNumberError) as info:
        parse(changed, today=TODAY)
    assert info.value.code in {"id_format", "id_birth_date", "id_checksum"}
    if replacement != "X" and position not in range(6, 14):
        assert info.value.code == "id_checksum"


@given(valid_numbers)
def test_every_single_digit_substitution_is_rejected_exhaustively(number: str) -> None:
    for position in range(18):
        for digit in "0123456789X":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert not idnumber.is_valid(changed), changed


@given(valid_numbers, st.integers(min_value=0, max_value=16))
def test_adjacent_transposition_is_rejected(number: str, position: int) -> None:
    # Swapping different digits a, b at positions i, i+1 of the body changes S by (a-b)(w[i+1]-w[i]);
    # 11 is prime, |a-b| <= 9 and adjacent weights differ mod 11, so the sum always changes.
    # Swapping digit 17 (d) with the check digit (c) gives a new check of 2d-c, equal to d only if d == c.
    # A swap inside the date may also make the date impossible or future (id_birth_date).
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    with pytest.raises(IdNumberError) as info:
        parse(swapped, today=TODAY)
    assert info.value.code in {"id_format", "id_birth_date", "id_checksum"}
    touches_date = position + 1 >= 6 and position <= 13  # indices 6..13 hold YYYYMMDD
    if "X" not in (a, b) and not touches_date:
        assert info.value.code == "id_checksum"


def test_weights_make_mod_11_2_detect_substitutions_and_adjacent_swaps() -> None:
    assert all(w % 11 for w in idnumber.WEIGHTS)
    assert all((idnumber.WEIGHTS[i + 1] - idnumber.WEIGHTS[i]) % 11 for i in range(16))
    assert all(w == pow(2, 17 - i, 11) for i, w in enumerate(idnumber.WEIGHTS))


@given(valid_numbers)
def test_parse_of_masked_valid_number_fails(number: str) -> None:
    with pytest.raises(IdNumberError):
        parse(mask(number), today=TODAY)


@given(st.text())
def test_parse_of_mask_of_anything_fails(raw: str) -> None:
    with pytest.raises(IdNumberError):
        parse(mask(raw), today=TODAY)


@given(st.from_regex(r"[0-9]{15}", fullmatch=True))
def test_parse_of_masked_15_digit_fails(raw: str) -> None:
    assert not idnumber.is_valid(mask(raw))


@given(bodies(), st.sampled_from(["00", "09", "10", "20", "39", "49", "55", "70", "80", "84", "90", "99"]))
def test_an_address_outside_every_province_is_rejected(body: str, province: str) -> None:
    number = province + body[2:17]
    with pytest.raises(IdNumberError) as info:
        parse(number + check_char(number), today=TODAY)
    assert info.value.code == "id_address"


@pytest.mark.parametrize("number", ["000105880512123", "990105880512123"])
def test_a_15_digit_id_outside_every_province_is_rejected(number: str) -> None:
    assert parse("110105880512123", today=TODAY).number.startswith("11010519880512123")
    with pytest.raises(IdNumberError) as info:
        parse(number, today=TODAY)
    assert info.value.code == "id_address"
