"""`gradphoto expire-photos` beside a student's claim on PostgreSQL: the claim made while the expiry waits
for the photo's lock keeps the photo, and nothing is cascaded away (REQ-FP-08 without losing a claim)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from gradphoto.common import clock
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.linking import claims
from gradphoto.linking.models import PhotoClaim, PhotoSearch, SearchCandidate
from gradphoto.linking.tests.test_engine import an_id
from gradphoto.photos.models import LinkState, Photo
from gradphoto.photos.retention import photos_expire

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_claim_made_while_expiry_waits_keeps_the_photo(personas, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    record = make_record(personas.school, name="王小三")
    student = make_student(record)
    photo = make_photo(record, personas.agency, name="王小二", id_number=an_id(11))
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=clock.now() - dt.timedelta(days=400))
    assert Photo.objects.get(pk=photo.pk).link_state == LinkState.UNLINKED
    search = PhotoSearch.objects.create(student=student, record=record, created_at=clock.now())
    SearchCandidate.objects.create(search=search, rank=1, photo=photo, score=20.0)

    claimed = threading.Event()
    original = claims.audit_record

    def slow_audit(**kwargs):
        if kwargs.get("action") == "photo_claim.created":
            claimed.set()
            time.sleep(2)  # the claim row is written, its transaction not yet committed
        return original(**kwargs)

    monkeypatch.setattr(claims, "audit_record", slow_audit)
    results, errors = {}, []

    def claim():
        try:
            results["claim"] = claims.photo_claim(student=student, token=search.token, rank=1).pk
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def expire():
        try:
            claimed.wait(10)
            time.sleep(0.3)
            results["expire"] = photos_expire()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim), threading.Thread(target=expire)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert PhotoClaim.objects.filter(pk=results["claim"]).exists()
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert results["expire"]["expired"] == 0 and results["expire"]["kept_referenced"] == 1
