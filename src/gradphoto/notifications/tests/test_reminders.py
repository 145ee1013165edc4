"""Deadline reminders and "photos are ready" (DOMAIN BR-A3, N14): who gets one, and only once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from gradphoto.common import clock
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.notifications.models import Message
from gradphoto.notifications.services import READY_TEXT, notify_photos_ready, remind_unverified
from gradphoto.records.models import RecordStatus
from gradphoto.verification.services import conclusion_submit

from .support import sms_lines, student_with_photo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 20)


def set_deadline(school, days: int | None) -> None:
    school.verification_deadline = TODAY + dt.timedelta(days=days) if days is not None else None
    school.save()


def test_it_reminds_only_students_who_still_have_to_verify(personas, django_capture_on_commit_callbacks):
    set_deadline(personas.school, 7)
    waiting, student = student_with_photo(personas)
    decided, decider = student_with_photo(personas)
    conclusion_submit(student=decider, record_id=decided.pk, verdict="correct")
    make_student(make_record(personas.school))  # no photo yet
    graduated, _ = student_with_photo(personas)
    graduated.status = RecordStatus.GRADUATED
    graduated.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_unverified(today=TODAY) == 1
        assert remind_unverified(today=TODAY) == 0  # the second run queues nothing
    assert sorted(Message.objects.values_list("user_id", "channel", "dedupe_key")) == [
        (student.pk, "email", f"remind:{waiting.pk}:2026-06-27:email"),
        (student.pk, "sms", f"remind:{waiting.pk}:2026-06-27:sms"),
    ]
    (sent,) = mail.outbox
    assert sent.subject == "请在2026年6月27日前完成学历照片校对"
    assert "北京大学" in sent.body and "/xueji/" in sent.body and waiting.name in sent.body


@pytest.mark.parametrize("days", [8, -1, None])
def test_it_does_not_remind_when_the_deadline_is_far_past_or_unset(personas, days):
    set_deadline(personas.school, days)
    student_with_photo(personas)
    assert remind_unverified(today=TODAY) == 0
    assert not Message.objects.exists()


def test_it_reminds_on_the_deadline_itself_and_at_the_edge_of_the_window(personas):
    set_deadline(personas.school, 0)
    set_deadline(personas.other_school, 7)
    student_with_photo(personas)
    student_with_photo(personas, school=personas.other_school)
    assert remind_unverified(today=TODAY) == 2


def test_schools_running_their_own_verification_are_left_alone(personas):
    set_deadline(personas.excluded_school, 3)
    student_with_photo(personas, school=personas.excluded_school)
    assert remind_unverified(today=TODAY) == 0


def test_a_moved_deadline_reminds_again(personas):
    set_deadline(personas.school, 5)
    student_with_photo(personas)
    assert remind_unverified(today=TODAY) == 1
    set_deadline(personas.school, 6)
    assert remind_unverified(today=TODAY) == 1
    assert Message.objects.filter(channel="email").count() == 2


def test_the_reminder_window_is_a_setting(personas, settings):
    settings.GRADPHOTO = settings.GRADPHOTO | {"REMINDER_DAYS": 14}
    set_deadline(personas.school, 10)
    student_with_photo(personas)
    assert remind_unverified(today=TODAY) == 1


def test_the_remind_command_uses_today_in_shanghai(personas, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 20, 23, 30, tzinfo=clock.SHANGHAI))
    set_deadline(personas.school, 7)
    student_with_photo(personas)
    out = io.StringIO()
    call_command("remind", stdout=out)
    assert out.getvalue() == "reminded=1\n"
    call_command("remind", "--today", "2026-06-01", stdout=out)
    assert out.getvalue().endswith("reminded=0\n")


def test_photos_ready_tells_each_student_once(personas, sms_home, django_capture_on_commit_callbacks):
    record, student = student_with_photo(personas)
    photo = record.photos.get()
    no_account = make_photo(make_record(personas.school), personas.agency)
    unlinked = make_photo(record, personas.agency, school=personas.other_school)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_photos_ready(photo_ids=[photo.pk, no_account.pk, unlinked.pk]) == 1
        assert notify_photos_ready(photo_ids=[photo.pk]) == 0
    assert [(line["mobile"], line["text"]) for line in sms_lines(sms_home)] == [(student.mobile, READY_TEXT)]
    (sent,) = mail.outbox
    assert sent.to == [student.email] and READY_TEXT in sent.body
    assert Message.objects.filter(dedupe_key__startswith=f"ready:{photo.pk}:").count() == 2


def test_send_notifications_delivers_what_is_due():
    student = make_student()
    Message.objects.create(
        channel="email",
        recipient=student.email,
        user=student,
        kind="k",
        subject="s",
        body="b",
        next_attempt_at=clock.now(),
        created_at=clock.now(),
    )
    out = io.StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue() == "sent=1 retrying=0 failed=0 skipped=0\n"
    assert len(mail.outbox) == 1
    call_command("send_notifications", stdout=out)
    assert out.getvalue().endswith("sent=0 retrying=0 failed=0 skipped=0\n")
