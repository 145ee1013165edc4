"""E-mail over a real SMTP connection (aiosmtpd on 127.0.0.1), with retries while it is down."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest

from gradphoto.common import clock
from gradphoto.common.testing import make_student
from gradphoto.notifications.models import Message
from gradphoto.notifications.services import deliver, notify

pytestmark = pytest.mark.django_db

SUBJECT = "请在2026年6月30日前完成学历照片校对"
BODY = "张三同学：\n\n请登录学籍信息页面（/xueji/）完成校对。"


def queue(student, django_capture_on_commit_callbacks) -> Message:
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = notify(user=student, kind="remind.unverified", subject=SUBJECT, body=BODY)
    message.refresh_from_db()
    return message


def test_it_sends_chinese_mail_through_smtp(smtp, django_capture_on_commit_callbacks):
    smtp.start()
    student = make_student()
    message = queue(student, django_capture_on_commit_callbacks)
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == [student.email]
    assert envelope.mail_from == "no-reply@gradphoto.localhost"
    received = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert received["To"] == student.email
    # Django folds the encoded subject onto a continuation line; unfolding leaves the leading blank.
    assert received["Subject"].strip() == SUBJECT
    assert received.get_content().replace("\r\n", "\n").rstrip("\n") == BODY  # CRLF on the wire


def test_a_refused_connection_is_retried_later(smtp, django_capture_on_commit_callbacks):
    student = make_student()
    message = queue(student, django_capture_on_commit_callbacks)  # nothing listens on the port
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at > clock.now()
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    assert deliver() == {"sent": 0, "retrying": 0, "failed": 0, "skipped": 0}  # not due yet


def test_it_gives_up_after_the_last_attempt(smtp, settings, time_machine, django_capture_on_commit_callbacks):
    settings.GRADPHOTO = settings.GRADPHOTO | {"NOTIFY_MAX_ATTEMPTS": 3}
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.SHANGHAI), tick=False)
    message = queue(make_student(), django_capture_on_commit_callbacks)
    assert message.next_attempt_at == clock.now() + dt.timedelta(minutes=1)
    time_machine.shift(dt.timedelta(minutes=1))
    assert deliver()["retrying"] == 1
    message.refresh_from_db()
    assert (message.attempts, message.next_attempt_at) == (2, clock.now() + dt.timedelta(minutes=5))
    time_machine.shift(dt.timedelta(minutes=5))
    assert deliver()["failed"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("failed", 3, None)
    smtp.start()
    time_machine.shift(dt.timedelta(days=2))
    assert deliver()["sent"] == 0  # given up is final
    assert smtp.envelopes == []


def test_it_is_sent_once_the_server_is_back(smtp, time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.SHANGHAI), tick=False)
    student = make_student()
    message = queue(student, django_capture_on_commit_callbacks)
    assert message.status == "pending"
    smtp.start()
    assert deliver()["sent"] == 0  # the server is up, but the retry is not due
    time_machine.shift(dt.timedelta(minutes=1))
    assert deliver() == {"sent": 1, "retrying": 0, "failed": 0, "skipped": 0}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert message.sent_at == clock.now()
    assert [e.rcpt_tos for e in smtp.envelopes] == [[student.email]]
