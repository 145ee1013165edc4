"""The in-memory engine (`gradphoto match`, the benchmark) against a brute-force reading of its rules.

The reference applies the early stop (one record with the photo's valid ID and its name) by comparing
the photo with every record, takes as candidates every record that shares any tier's key with the
photo, and scores with the full `score`: the index, the lazily built tiers and the cheaper early stop
must give exactly the same decisions.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gradphoto.common.idnumber import check_char
from gradphoto.linking.engine.compare import Identity
from gradphoto.linking.engine.decide import LINKED, Decision, decide_photo, resolve_conflicts, sure_link
from gradphoto.linking.engine.memory import link_identities
from gradphoto.linking.engine.normalise import (
    birth_of,
    excel_truncated,
    id_is_valid,
    id_repairs,
    normalise_name,
    pinyin_key,
)
from gradphoto.linking.engine.scoring import score, sure_score

SURNAMES = "张王李刘陈杨曾单"
GIVEN = ["伟", "玮", "芳", "方", "娜", "静", "敏", "明", "强", "小明", "晓明", "丽"]
TYPOS = {"伟": "玮", "芳": "方", "明": "名", "静": "靜", "张": "張"}


def _id(rng: random.Random) -> str:
    born = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(40))  # few dates: blocks overlap
    body = f"{rng.choice(['110105', '310101'])}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + check_char(body)


def _identity(pk: int, school: str, name: str, number: str, student_no: str, *, record: bool) -> Identity:
    norm = normalise_name(name)
    valid = bool(number) and id_is_valid(number)
    return Identity(
        pk=pk,
        school=school,
        name=norm,
        pinyin_key=pinyin_key(norm),
        id_key=number if valid or not record else "",
        id_valid=valid,
        birth_key=birth_of(number),
        student_no=student_no,
    )


def _typed(rng: random.Random, number: str) -> str:
    """The ID as an agency might type it: right, one digit off, two swapped, Excel-damaged, missing."""
    kind = rng.choice(["same", "same", "digit", "swap", "excel", "missing"])
    if kind == "digit":
        i = rng.randrange(17)
        return number[:i] + str((int(number[i]) + rng.randrange(1, 10)) % 10) + number[i + 1 :]
    if kind == "swap":
        i = rng.randrange(16)
        return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    return {"excel": number[:15] + "000", "missing": ""}.get(kind, number)


def _register_and_collection(seed: int) -> tuple[list[Identity], list[Identity]]:
    rng = random.Random(seed)
    people = []
    for pk in range(1, 301):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        people.append((pk, rng.choice("12"), name, _id(rng), f"S{rng.randrange(400):04d}"))
    records = [_identity(*p, record=True) for p in people]
    photos = []
    for pk, (_, school, name, number, student_no) in enumerate(rng.choices(people, k=330), start=1):
        if rng.random() < 0.3:
            name = "".join(TYPOS.get(c, c) for c in name)
        if rng.random() < 0.1:
            student_no = f"S{rng.randrange(400):04d}"
        photos.append(_identity(pk, school, name, _typed(rng, number), student_no, record=False))
    return records, photos


def _shares_a_key(photo: Identity, record: Identity) -> bool:
    number, py, birth = photo.id_key, photo.pinyin_key, photo.birth_key
    return bool(
        (number and record.id_key == number)
        or (number and not photo.id_valid and record.id_key in id_repairs(number))
        or (number and excel_truncated(number) and record.id_key[:14] == number[:14])
        or (py and record.school == photo.school and record.pinyin_key == py)
        or (py and birth and record.birth_key == birth and record.pinyin_key == py)
        or (
            birth
            and (not photo.id_valid or "?" in photo.name)
            and record.school == photo.school
            and record.birth_key == birth
        )
        or (photo.student_no and record.school == photo.school and record.student_no == photo.student_no)
    )


def _reference(photos: list[Identity], records: list[Identity]) -> list:
    decisions = []
    for photo in photos:
        named = [r for r in records if photo.id_key and r.id_key == photo.id_key and r.name == photo.name]
        if photo.id_valid and len(named) == 1:  # the early stop
            decisions.append(Decision(photo, LINKED, "", [score(photo, named[0])]))
            continue
        candidates = [r for r in records if _shares_a_key(photo, r)]
        decisions.append(decide_photo(photo, [score(photo, r) for r in candidates]))
    resolve_conflicts(decisions)
    return decisions


def _summary(decisions: list) -> list:
    return [
        (d.photo.pk, d.decision, d.reason, [(s.record.pk, s.weight, s.levels) for s in d.ranked])
        for d in decisions
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_index_and_early_stop_decide_exactly_as_every_candidate_would(seed):
    records, photos = _register_and_collection(seed)
    fast = link_identities(photos, records)
    reference = _reference(photos, records)
    assert _summary(fast) == _summary(reference)
    kinds = {d.decision for d in fast}
    assert {"linked", "suggested"} <= kinds  # the set exercises more than the early stop


def test_the_early_stop_scores_a_sure_pair_as_the_full_comparison_does():
    records, photos = _register_and_collection(4)
    by_id = {r.id_key: r for r in records}
    sure_pairs = [
        (p, by_id[p.id_key]) for p in photos if p.id_key in by_id and by_id[p.id_key].name == p.name
    ]
    assert len(sure_pairs) > 50
    for photo, record in sure_pairs:
        assert sure_score(photo, record) == score(photo, record)
        assert sure_link(photo, [record]) is not None
