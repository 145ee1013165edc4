"""Giving and changing verdicts: the window, double submits, concurrency, refusals."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from gradphoto.audit.models import AuditEvent
from gradphoto.common import clock
from gradphoto.common.errors import NotAllowed, NotFound
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.records.models import RecordStatus
from gradphoto.verification.models import Conclusion, ConclusionEvent
from gradphoto.verification.services import VerdictLocked, conclusion_delete, conclusion_submit

T0 = dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI)


@pytest.fixture
def setup(personas):
    record = make_record(personas.school)
    photo = make_photo(record, personas.agency)
    return record, photo, make_student(record)


def post_verdict(client, record, verdict, reason=""):
    return client.post(
        reverse("verification:verdict", args=[record.pk]),
        {"verdict": verdict, "wrong_reason": reason, "confirm": "1"},
    )


@pytest.mark.django_db
def test_it_records_a_confirmed_verdict_with_history_and_audit(client, setup):
    record, photo, student = setup
    client.force_login(student)
    response = post_verdict(client, record, "correct")
    assert response.status_code == 302
    conclusion = Conclusion.objects.get()
    assert (conclusion.record, conclusion.photo, conclusion.verdict) == (record, photo, "correct")
    assert conclusion.window_ends_at - conclusion.first_at == dt.timedelta(hours=24)
    assert list(ConclusionEvent.objects.values_list("kind", "to_verdict")) == [("submitted", "correct")]
    assert AuditEvent.objects.filter(action="conclusion.submitted", actor=student).count() == 1


@pytest.mark.django_db
def test_a_wrong_verdict_needs_a_reason(client, setup):
    record, _, student = setup
    client.force_login(student)
    response = post_verdict(client, record, "wrong")
    assert response.status_code == 200  # the confirmation page again, asking for the reason
    assert not Conclusion.objects.exists()


@pytest.mark.django_db
def test_it_lets_the_student_change_the_verdict_inside_the_window_without_extending_it(setup):
    record, _, student = setup
    with time_machine.travel(T0, tick=False):
        first = conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    with time_machine.travel(T0 + dt.timedelta(hours=23, minutes=59), tick=False):
        changed = conclusion_submit(
            student=student, record_id=record.pk, verdict="wrong", wrong_reason="swapped"
        )
        again = conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    assert first.pk == changed.pk == again.pk
    assert again.window_ends_at == T0 + dt.timedelta(hours=24)
    events = list(ConclusionEvent.objects.values_list("kind", "from_verdict", "to_verdict"))
    assert events == [
        ("submitted", "", "correct"),
        ("changed", "correct", "wrong"),
        ("changed", "wrong", "correct"),
    ]


@pytest.mark.django_db
def test_it_refuses_a_change_after_24_hours(setup):
    record, _, student = setup
    with time_machine.travel(T0, tick=False):
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    with time_machine.travel(T0 + dt.timedelta(hours=24), tick=False), pytest.raises(VerdictLocked):
        conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="swapped")
    assert Conclusion.objects.get().verdict == "correct"


@pytest.mark.django_db
def test_a_repeated_identical_verdict_changes_nothing(setup):
    record, _, student = setup
    for _ in range(3):
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    assert Conclusion.objects.count() == 1 and ConclusionEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_deleted_verdict_reopens_verification(personas, setup):
    record, _, student = setup
    with time_machine.travel(T0, tick=False):
        conclusion = conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        with pytest.raises(NotFound):
            conclusion_delete(staff=personas.bob, conclusion_id=conclusion.pk, reason="Form A")
        conclusion_delete(staff=personas.alice, conclusion_id=conclusion.pk, reason="表A：按钮点错")
        fresh = conclusion_submit(
            student=student, record_id=record.pk, verdict="wrong", wrong_reason="swapped"
        )
    assert fresh.pk != conclusion.pk
    assert Conclusion.objects.count() == 2  # the deleted one stays in history
    assert Conclusion.objects.filter(deleted_at=None).get().pk == fresh.pk


@pytest.mark.django_db
def test_it_refuses_another_students_record(client, personas, setup):
    record, _, _ = setup
    intruder = make_student(make_record(personas.school))
    client.force_login(intruder)
    assert post_verdict(client, record, "correct").status_code == 404
    with pytest.raises(NotFound):
        conclusion_submit(student=intruder, record_id=record.pk, verdict="correct")
    assert not Conclusion.objects.exists()


@pytest.mark.django_db
def test_it_refuses_verdicts_before_the_person_check(client, personas):
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record, checked=False)
    client.force_login(student)
    response = post_verdict(client, record, "correct")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:person_check")
    with pytest.raises(NotAllowed):
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")


@pytest.mark.django_db
def test_it_refuses_verdicts_for_graduates_and_excluded_schools(personas):
    graduate_record = make_record(personas.school, status=RecordStatus.GRADUATED)
    make_photo(graduate_record, personas.agency)
    excluded_record = make_record(personas.excluded_school)
    make_photo(excluded_record, personas.agency)
    for record in (graduate_record, excluded_record):
        with pytest.raises(NotAllowed):
            conclusion_submit(student=make_student(record), record_id=record.pk, verdict="correct")


@pytest.mark.django_db
def test_staff_cannot_give_verdicts(client, personas, setup):
    record, _, _ = setup
    for staff in personas.staff():
        client.force_login(staff)
        assert post_verdict(client, record, "correct").status_code == 403
    assert not Conclusion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_presses_from_many_tabs_leave_one_conclusion_and_a_consistent_history(personas):
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record)
    choices = [("correct", ""), ("wrong", "swapped")] * 6
    barrier = threading.Barrier(len(choices))
    statuses: list[int] = []

    def press(verdict: str, reason: str) -> None:
        client = Client()
        client.force_login(student)
        barrier.wait()
        try:
            statuses.append(post_verdict(client, record, verdict, reason).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=choice) for choice in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(choices)
    conclusion = Conclusion.objects.get()
    events = list(conclusion.events.order_by("at", "id"))
    assert events[0].kind == "submitted" and all(e.kind == "changed" for e in events[1:])
    for before, after in itertools.pairwise(events):
        assert after.from_verdict == before.to_verdict  # every change starts where the last one ended
    assert events[-1].to_verdict == conclusion.verdict
    assert AuditEvent.objects.filter(object_type="verification.conclusion").count() == len(events)


@pytest.mark.django_db
def test_a_confirmation_page_older_than_the_photo_records_nothing(client, personas, setup):
    """The page showed photo A; a swap gave the record photo B meanwhile: 确定 on the old page must not
    approve B, which the student never saw (the form carries the photo it showed)."""
    from gradphoto.photos.models import LinkState

    record, shown, student = setup
    client.force_login(student)
    page = client.post(reverse("verification:verdict", args=[record.pk]), {"verdict": "correct"})
    assert f'name="photo" value="{shown.pk}"' in page.content.decode()
    shown.link_state = LinkState.DUPLICATE
    shown.save(update_fields=["link_state"])
    make_photo(record, personas.agency, data=b"another")  # the record's current photo now
    stale = {"verdict": "correct", "confirm": "1", "photo": str(shown.pk)}
    answer = client.post(reverse("verification:verdict", args=[record.pk]), stale, follow=True)
    assert "照片已更换" in answer.content.decode() and not Conclusion.objects.exists()
    api = client.post(
        f"/api/v1/records/{record.pk}/verdict",
        {"verdict": "correct", "photo_id": shown.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token(student)}",
    )
    assert (api.status_code, api.json()["code"]) == (409, "photo_changed") and not Conclusion.objects.exists()


def api_token(user) -> str:
    from gradphoto.accounts.tokens import api_token_issue

    return api_token_issue(user=user)
