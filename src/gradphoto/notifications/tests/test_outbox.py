"""notify(): rows in the caller's transaction, delivery after commit, one message per dedupe key."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from gradphoto.common.testing import make_student
from gradphoto.notifications.models import Message
from gradphoto.notifications.services import notify, retry_delay

from .support import sms_lines

pytestmark = pytest.mark.django_db


def test_it_queues_an_email_and_an_sms_and_sends_them_after_commit(
    sms_home, django_capture_on_commit_callbacks
):
    student = make_student(mobile="13912345678")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        created = notify(
            user=student, kind="application.decided", subject="申请已处理", body="正文", sms="短信"
        )
        assert [m.status for m in created] == ["pending", "pending"]
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    email, sms = Message.objects.order_by("channel")
    assert (email.channel, email.recipient, email.status, email.attempts) == (
        "email",
        student.email,
        "sent",
        1,
    )
    assert (sms.channel, sms.recipient, sms.body, sms.status) == ("sms", "13912345678", "短信", "sent")
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [([student.email], "申请已处理", "正文")]
    assert [(line["mobile"], line["text"]) for line in sms_lines(sms_home)] == [("13912345678", "短信")]


def test_it_sends_nothing_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    student = make_student()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user=student, kind="application.decided", subject="申请已处理", body="正文", sms="短信")
        raise RuntimeError("the decision failed")
    assert callbacks == []
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_it_queues_only_the_channels_the_user_has(django_capture_on_commit_callbacks):
    no_mobile = make_student(mobile="")
    no_email = make_student(email="")
    with django_capture_on_commit_callbacks(execute=True):
        assert [m.channel for m in notify(user=no_mobile, kind="k", subject="s", body="b", sms="t")] == [
            "email"
        ]
        assert notify(user=no_mobile, kind="k", subject="s", body="b") != []
        assert [m.channel for m in notify(user=no_email, kind="k", subject="s", body="b", sms="t")] == ["sms"]
        assert notify(user=no_email, kind="k", subject="s", body="b") == []


def test_it_never_queues_the_same_key_twice(django_capture_on_commit_callbacks):
    student = make_student()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify(user=student, kind="k", subject="s", body="b", sms="t", key="remind:1:2026-06-30")
        second = notify(user=student, kind="k", subject="s", body="b", sms="t", key="remind:1:2026-06-30")
    assert len(first) == 2 and second == []
    assert len(callbacks) == 1
    assert sorted(Message.objects.values_list("dedupe_key", flat=True)) == [
        "remind:1:2026-06-30:email",
        "remind:1:2026-06-30:sms",
    ]
    assert len(mail.outbox) == 1


def test_a_missing_channel_is_added_later_under_the_same_key(django_capture_on_commit_callbacks):
    student = make_student(mobile="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=student, kind="k", subject="s", body="b", sms="t", key="ready:9")
        student.mobile = "13700000000"
        student.save()
        again = notify(user=student, kind="k", subject="s", body="b", sms="t", key="ready:9")
    assert [m.channel for m in again] == ["sms"]
    assert Message.objects.count() == 2


def test_messages_without_a_key_are_never_deduplicated(django_capture_on_commit_callbacks):
    student = make_student(mobile="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=student, kind="k", subject="s", body="b")
        notify(user=student, kind="k", subject="s", body="b")
    assert Message.objects.filter(dedupe_key="").count() == 2


def test_retries_back_off_exponentially():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 5)] == [1, 5, 25, 125, 625]
    assert retry_delay(9).total_seconds() == 24 * 3600
