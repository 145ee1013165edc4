"""Normalisation and derived keys (LINKAGE.md §2): IDs, traditional forms, surname readings, repairs."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from gradphoto.common.idnumber import check_char
from gradphoto.linking.engine.compare import Identity, NameLevel, chars_confusable, name_level
from gradphoto.linking.engine.normalise import (
    _checksum_variants,
    birth_of,
    excel_truncated,
    fast_check_char,
    id_is_valid,
    id_key,
    id_repairs,
    normalise_name,
    one_edit_variants,
    pinyin_key,
)

VALID = "11010519491231002X"


def person(name: str, **extra: object) -> Identity:
    norm = normalise_name(name)
    fields: dict = dict(pk=1, school="1", name=norm, pinyin_key=pinyin_key(norm), id_key="", id_valid=False)
    fields.update(birth_key="", **extra)
    return Identity(**fields)


def test_it_normalises_width_case_separators_and_upgrades_15_digit_ids():
    assert id_key(" １１０１０５１９４９１２３１００２ｘ ") == VALID
    assert id_key("110105-19491231-002x") == VALID
    upgraded = id_key("110105491231002")
    assert upgraded.startswith("11010519491231002") and id_is_valid(upgraded)


def test_it_takes_the_birth_date_from_an_id_even_with_a_wrong_check_digit():
    assert birth_of(VALID[:-1] + "1") == "19491231"
    assert birth_of("110105194913310021") == ""


def test_it_reads_traditional_forms_and_spaces_as_the_simplified_name():
    assert normalise_name(" 張 偉 ") == "张伟"
    assert normalise_name("买买提•艾力") == "买买提·艾力"
    assert normalise_name("王？明") == "王?明"


def test_it_reads_surnames_with_their_surname_reading():
    assert pinyin_key("单伟") == pinyin_key("善伟") == "shanwei"
    assert pinyin_key("曾明") == "zengming"
    assert pinyin_key("区华") == "ouhua"
    assert pinyin_key("欧阳娜娜") == "ouyangnana"


def test_homophones_shapes_and_wildcards_are_confusable_other_characters_are_not():
    assert chars_confusable("伟", "玮")  # wěi, missing from pycorrector's same_pinyin
    assert chars_confusable("乐", "月")  # yuè is one of 乐's readings
    assert chars_confusable("龙", "笼")  # same_stroke group
    assert chars_confusable("?", "喆")
    assert not chars_confusable("伟", "强")


def test_name_levels_tell_a_typo_from_another_person():
    record = person("张伟")
    assert name_level(person("张伟"), record) == NameLevel.EXACT
    assert name_level(person("张玮"), record) == NameLevel.PINYIN
    assert name_level(person("張偉"), record) == NameLevel.EXACT
    assert name_level(person("张强"), record) == NameLevel.SURNAME
    assert name_level(person("李伟"), record) == NameLevel.DIFFERENT


def test_a_latin_name_is_the_same_name_in_any_case():
    """A passport holder's name, typed in capitals on one side and not on the other, is one name."""
    assert normalise_name("John Smith") == normalise_name("JOHN SMITH") == "JOHNSMITH"
    assert name_level(person("John Smith"), person("JOHN SMITH")) == NameLevel.EXACT
    assert name_level(person("JOHN SMYTH"), person("JOHN SMITH")) == NameLevel.SIMILAR


def _random_id(rng: random.Random) -> str:
    birth = f"{rng.randint(1980, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"110105{birth}{rng.randint(0, 999):03d}"
    return body + check_char(body)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 16), st.integers(1, 9))
def test_a_single_substitution_is_always_repaired_to_the_true_id(seed, position, shift):
    true = _random_id(random.Random(seed))
    typed = true[:position] + str((int(true[position]) + shift) % 10) + true[position + 1 :]
    assert not id_is_valid(typed)  # MOD 11-2 detects every single substitution
    assert true in id_repairs(typed)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 15))
def test_an_adjacent_transposition_is_always_repaired(seed, position):
    true = _random_id(random.Random(seed))
    if true[position] == true[position + 1]:
        return
    typed = true[:position] + true[position + 1] + true[position] + true[position + 2 :]
    assert not id_is_valid(typed)
    assert true in id_repairs(typed)


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_the_one_call_check_character_equals_gb_11643s(body):
    assert fast_check_char(body) == check_char(body)


def test_repairs_are_few_and_the_variants_of_a_valid_id_are_all_invalid():
    assert len(id_repairs(VALID[:10] + "9" + VALID[11:])) <= 20
    assert not any(id_is_valid(v) for v in one_edit_variants(VALID))
    assert excel_truncated("110105194912310000") and not excel_truncated(VALID)


@settings(max_examples=300, deadline=None)
@given(st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789XA"))
def test_solved_checksum_variants_equal_filtering_every_one_edit_variant(body, check):
    typed = body + check
    brute = [v for v in one_edit_variants(typed) if v[:17].isdigit() and fast_check_char(v[:17]) == v[17]]
    assert sorted(_checksum_variants(typed)) == sorted(brute)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789Xx１２ｘ -abZ", min_size=14, max_size=20))
def test_the_already_normal_shortcut_of_id_key_gives_what_the_full_steps_give(raw):
    from gradphoto.common import idnumber

    number = idnumber.normalise(raw).replace("-", "")
    full = idnumber.upgrade15(number) if len(number) == 15 and number.isdigit() else number[:20]
    assert id_key(raw) == full
