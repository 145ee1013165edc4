"""Two staff members register at once: certificate numbers are never given twice (DOMAIN.md §10.1)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from gradphoto.accounts.models import Role
from gradphoto.common.testing import make_staff
from gradphoto.graduation import registration
from gradphoto.graduation.models import CertificateCounter, DiplomaRecord

from .support import graduate, register, set_president

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow(monkeypatch):
    """Widen the windows a race needs: between chunks, and between reading and writing a counter."""
    chunk, claim = registration._chunk, registration._claim

    def slow_chunk(*args):
        time.sleep(0.03)
        return chunk(*args)

    def slow_claim(*args):
        first = claim(*args)
        time.sleep(0.03)
        return first

    monkeypatch.setattr(registration, "_chunk", slow_chunk)
    monkeypatch.setattr(registration, "_claim", slow_claim)


def run_together(*jobs: Callable[[], object]) -> list[object]:
    start, results, errors = threading.Barrier(len(jobs)), [], []

    def worker(job: Callable[[], object]) -> None:
        try:
            start.wait()
            results.append(job())
        except Exception as error:  # surfaced below, with the thread's own exception
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_staff_registering_different_graduates_never_share_a_number(personas, settings, slow):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "REGISTRATION_CHUNK": 2}
    set_president(personas.school)
    colleague = make_staff(Role.UNIVERSITY_STAFF, personas.school, "alice2")
    first = [graduate(personas)[0] for _ in range(6)]
    second = [graduate(personas)[0] for _ in range(6)]
    run_together(lambda: register(personas.alice, first), lambda: register(colleague, second))
    numbers = list(DiplomaRecord.objects.values_list("certificate_no", flat=True))
    assert len(numbers) == 12 and len(set(numbers)) == 12
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 13))  # no gap either
    assert CertificateCounter.objects.get().last_serial == 12
    in_number_order = [d.batch_id for d in DiplomaRecord.objects.order_by("certificate_no")]
    assert in_number_order != sorted(in_number_order)  # the two registrations really interleaved


def test_two_staff_registering_the_same_graduates_register_each_once(personas, slow):
    set_president(personas.school)
    colleague = make_staff(Role.UNIVERSITY_STAFF, personas.school, "alice2")
    records = [graduate(personas)[0] for _ in range(5)]
    batches = run_together(lambda: register(personas.alice, records), lambda: register(colleague, records))
    assert sum(b.registered for b in batches) == 5
    assert sum(b.unchanged for b in batches) == 5
    assert DiplomaRecord.objects.count() == 5
    assert Counter(DiplomaRecord.objects.values_list("record_id", flat=True)).most_common(1)[0][1] == 1
