"""The review queue under parallel decisions on PostgreSQL: an accept and awards on one contested photo
take their locks in one order (record, photo, claims), so one wins and the others are told why."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.linking import claims as claims_module
from gradphoto.linking import queue
from gradphoto.linking.engine import run
from gradphoto.linking.models import LinkSuggestion
from gradphoto.linking.tests.test_engine import an_id, swapped
from gradphoto.linking.tests.test_queue import contested

pytestmark = pytest.mark.django_db(transaction=True)


def _both(first, second, started: threading.Event) -> dict[str, object]:
    """Run ``first`` and, once it holds its locks, ``second``; each outcome or the exception it raised."""
    out: dict[str, object] = {}

    def call(name, task, wait):
        if wait:
            started.wait(10)
            time.sleep(0.3)
        try:
            out[name] = task()
        except Exception as error:  # the outcome, whatever it is, is what the test looks at
            out[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=call, args=a) for a in (("first", first, False), ("second", second, True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return out


@pytest.fixture
def contest(personas):
    record = make_record(personas.school, name="张龙", id_number=an_id(201))
    photo = make_photo(record, personas.agency, name="张庞", id_number=swapped(record.id_number))
    run()
    suggestion = LinkSuggestion.objects.get(photo=photo, rank=1)
    other = make_record(personas.school)
    mine = contested(record, photo, make_student(record))
    theirs = contested(other, photo, make_student(other))
    return suggestion, mine, theirs


def _slowed(monkeypatch) -> threading.Event:
    """claim_award pauses once it holds its locks, for the other decision to reach for the same rows."""
    holding, real = threading.Event(), claims_module.claim_obstacle

    def slow(claim):
        holding.set()
        time.sleep(1.5)
        return real(claim)

    monkeypatch.setattr(claims_module, "claim_obstacle", slow)
    return holding


@pytest.mark.parametrize(
    ("second", "told"),
    [("accept", "photo_linked"), ("award", "already_decided")],
)
def test_a_second_decision_on_a_contested_photo_is_told_why_not_deadlocked(
    personas, contest, monkeypatch, second, told
):
    """One award holds the photo; an accept of the photo's suggestion, or an award of its other claim,
    waits for it and is then told the photo is taken (before: PostgreSQL's deadlock, a 500)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's write lock already serialises the transactions")
    suggestion, mine, theirs = contest
    holding = _slowed(monkeypatch)
    then = {
        "accept": lambda: queue.suggestion_accept(staff=personas.alice, suggestion_id=suggestion.pk),
        "award": lambda: queue.claim_award(staff=personas.alice, claim_id=mine.pk),
    }[second]
    out = _both(lambda: queue.claim_award(staff=personas.alice, claim_id=theirs.pk), then, holding)
    assert out["first"] == "linked", out
    assert getattr(out["second"], "code", None) == told, out
