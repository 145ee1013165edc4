"""audit_many writes exactly the rows audit_record would, in one statement."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gradphoto.audit.models import AuditEvent
from gradphoto.audit.services import audit_many, audit_record
from gradphoto.common import clock
from gradphoto.common.testing import make_record

pytestmark = pytest.mark.django_db

FIELDS = ("at", "actor_id", "actor_role", "action", "object_type", "object_id", "before", "after")


def test_audit_many_writes_the_rows_audit_record_writes(personas):
    records = [make_record(personas.school) for _ in range(3)]
    before, after = {"state": "old", "n": 1}, {"state": "新", "when": clock.today(), "none": None}
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI), tick=False):
        at = clock.now()
        singles = [
            audit_record(actor=personas.alice, action="record.test", obj=r, before=before, after=after)
            for r in records
        ]
        with CaptureQueriesContext(connection) as queries:
            count = audit_many(
                actor=personas.alice,
                at=at,
                events=[("record.test", type(r), r.pk, before, after) for r in records],
            )
    assert count == 3 and len(queries) == 1
    many = AuditEvent.objects.filter(action="record.test").exclude(pk__in=[e.pk for e in singles])
    expected = [tuple(getattr(AuditEvent.objects.get(pk=e.pk), f) for f in FIELDS[1:]) for e in singles]
    assert [tuple(getattr(e, f) for f in FIELDS[1:]) for e in many.order_by("pk")] == expected
    assert all(e.at == at for e in many) and many[0].after["when"] == str(clock.today())


def test_an_anonymous_actor_is_the_system(personas):
    record = make_record(personas.school)
    audit_many(actor=None, at=clock.now(), events=[("record.test", type(record), record.pk, {}, {})])
    event = AuditEvent.objects.get(action="record.test")
    assert (event.actor_id, event.actor_role, event.object_type) == (None, "system", "records.studentrecord")
