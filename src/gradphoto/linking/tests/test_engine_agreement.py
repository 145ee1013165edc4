"""`gradphoto match` (the engine in memory) and `gradphoto link` (the engine in the database) decide alike.

An agency checks its manifest offline with `match` before uploading it: a photo it is told would link, or
would be suggested for a record, must fare the same once uploaded.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gradphoto.common.testing import make_photo, make_record
from gradphoto.linking.engine.keys import (
    PHOTO_FIELDS,
    RECORD_FIELDS,
    keys_refresh,
    photo_identity,
    record_identity,
)
from gradphoto.linking.engine.memory import link_identities
from gradphoto.linking.engine.runner import decide_all
from gradphoto.linking.tests.test_engine import an_id, substituted, swapped
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import StudentRecord

pytestmark = pytest.mark.django_db
NAMES = ["张伟", "王芳", "李娜", "刘强", "陈静", "杨明", "曾敏", "单丽"]
TYPOS = {"伟": "玮", "芳": "方", "明": "名", "静": "靜", "张": "張"}


def _typed(rng: random.Random, record: StudentRecord, stranger: str) -> dict[str, str]:
    """The identity an agency typed: one kind of error each (none would link by the exact rules)."""
    kind = rng.choice(["name", "digit", "swap", "stranger", "invalid_stranger", "name_and_digit"])
    name, number = record.name, record.id_number
    if kind in ("name", "name_and_digit"):
        name = "".join(TYPOS.get(c, c) for c in name) if any(c in TYPOS for c in name) else name + "一"
    if kind in ("digit", "name_and_digit"):
        number = substituted(number)
    if kind == "swap":
        number = swapped(number)
    if kind == "stranger":  # somebody else of the same birth date: a valid ID nobody holds
        name, number = "赵某某", stranger
    if kind == "invalid_stranger":
        name, number = "赵某某", substituted(stranger)
    return {"name": name, "id_number": number}


def _outcomes(decisions: list) -> dict[int, tuple[str, int | None]]:
    return {d.photo.pk: (d.decision, d.best.record.pk if d.best else None) for d in decisions}


@pytest.mark.parametrize("seed", [1, 2])
def test_match_in_memory_and_link_in_the_database_decide_alike(personas, seed):
    rng = random.Random(seed)
    born = [dt.date(2003, 4, 5) + dt.timedelta(days=d) for d in range(3)]  # few dates: full blocks
    records = []
    for seq in range(24):
        birth = rng.choice(born)
        school = rng.choice([personas.school, personas.other_school])
        records.append(
            make_record(school, name=rng.choice(NAMES), id_number=an_id(seq + 1, birth), birth_date=birth)
        )
    for n, record in enumerate(records * 2):
        stranger = an_id(500 + n, record.birth_date)
        make_photo(record, personas.agency, **_typed(rng, record, stranger), data=f"{seed}-{n}".encode())
    keys_refresh()
    in_database = _outcomes(decide_all())
    register = [record_identity(v) for v in StudentRecord.objects.values_list(*RECORD_FIELDS)]
    unlinked = Photo.objects.filter(link_state=LinkState.UNLINKED).values_list(*PHOTO_FIELDS)
    in_memory = _outcomes(link_identities([photo_identity(v) for v in unlinked], register))
    assert in_memory == in_database
    kinds = {decision for decision, _ in in_memory.values()}
    assert {"linked", "suggested", "none"} <= kinds  # the set exercises every outcome
