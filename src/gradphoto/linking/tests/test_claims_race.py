"""没照片,找找看 under parallel requests on PostgreSQL: the daily limit holds (RELIABILITY.md REQ-FP-06)."""

from __future__ import annotations

import pytest
from django.db import connection

from gradphoto.common.testing import at_once, make_photo, make_record, make_student
from gradphoto.linking.claims import SearchLimitReached, photo_search
from gradphoto.linking.models import PhotoSearch
from gradphoto.linking.tests.test_engine import an_id, substituted

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_searches_cannot_pass_the_daily_limit(personas, settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's write lock already serialises the transactions")
    settings.GRADPHOTO = {**settings.GRADPHOTO, "PHOTO_SEARCHES_PER_DAY": 2}
    record = make_record(personas.school, name="李明", id_number=an_id(101))
    make_photo(record, personas.agency, name="李铭", id_number=substituted(record.id_number))
    student = make_student(record)
    outcomes = at_once(lambda: photo_search(student=student, record_id=record.pk), 6)
    kinds = sorted("limited" if isinstance(o, SearchLimitReached) else type(o).__name__ for o in outcomes)
    assert kinds == ["PhotoSearch"] * 2 + ["limited"] * 4
    assert PhotoSearch.objects.filter(student=student).count() == 2


def test_two_parallel_claims_for_one_record_make_one(personas):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's write lock already serialises the transactions")
    from gradphoto.common.errors import Conflict
    from gradphoto.linking.claims import photo_claim
    from gradphoto.linking.models import PhotoClaim

    record = make_record(personas.school, name="李明", id_number=an_id(131))
    for typed in ("李铭", "李名"):
        make_photo(record, personas.agency, name=typed, id_number=substituted(record.id_number))
    student = make_student(record)
    found = photo_search(student=student, record_id=record.pk)
    assert found.candidates.count() == 2
    ranks = iter([1, 2])
    outcomes = at_once(lambda: photo_claim(student=student, token=str(found.token), rank=next(ranks)), 2)
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "PhotoClaim"], outcomes
    assert all(o.code == "claim_pending" for o in outcomes if isinstance(o, Conflict))
    assert PhotoClaim.objects.filter(record=record).count() == 1
