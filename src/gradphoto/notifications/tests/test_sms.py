"""SMS backends: a JSON line per SMS in a file, or a JSON POST to the gateway."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from gradphoto.common.testing import make_student
from gradphoto.notifications.backends import ConsoleSmsBackend, HttpSmsBackend, SmsError
from gradphoto.notifications.models import Message
from gradphoto.notifications.services import notify

from .conftest import free_port
from .support import sms_lines

pytestmark = pytest.mark.django_db


def test_the_file_backend_writes_one_json_line_per_sms(sms_home):
    from gradphoto.notifications.backends import FileSmsBackend

    FileSmsBackend().send(mobile="13800000001", text="您的学历照片已上传")
    FileSmsBackend().send(mobile="13800000002", text="第二条")
    lines = sms_lines(sms_home)
    assert [(line["mobile"], line["text"]) for line in lines] == [
        ("13800000001", "您的学历照片已上传"),
        ("13800000002", "第二条"),
    ]
    assert all(line["at"] for line in lines)
    assert "您的学历照片已上传" in next(sms_home.glob("*.jsonl")).read_text(encoding="utf-8")


def test_the_console_backend_prints(capsys):
    ConsoleSmsBackend().send(mobile="13800000001", text="短信")
    assert capsys.readouterr().out == "SMS to 13800000001: 短信\n"


def test_the_gateway_receives_json(gateway, django_capture_on_commit_callbacks):
    student = make_student(email="", mobile="13912345678")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=student, kind="photo.ready", subject="s", body="b", sms="您的学历照片已上传")
    assert gateway.received == [
        {
            "path": "/send",
            "type": "application/json; charset=utf-8",
            "mobile": "13912345678",
            "text": "您的学历照片已上传",
        }
    ]
    assert Message.objects.get().status == "sent"


def test_a_gateway_error_is_retried(gateway, django_capture_on_commit_callbacks):
    gateway.answer[0] = 503
    student = make_student(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=student, kind="photo.ready", subject="s", body="b", sms="短信")
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == "SmsError: gateway answered 503"


def test_an_unreachable_gateway_raises():
    backend = HttpSmsBackend(url=f"http://127.0.0.1:{free_port()}/send", timeout=2)
    with pytest.raises(SmsError, match="unreachable"):
        backend.send(mobile="13800000001", text="短信")


def test_the_gateway_needs_an_http_url(settings):
    settings.GRADPHOTO_SMS_GATEWAY_URL = "file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend()
