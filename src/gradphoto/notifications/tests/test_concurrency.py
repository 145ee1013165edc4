"""Two workers delivering at once: each message is claimed by one of them and sent once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from gradphoto.common import clock
from gradphoto.common.testing import at_once
from gradphoto.notifications.models import Message
from gradphoto.notifications.services import deliver

SENT: list[str] = []
_lock = threading.Lock()


class SlowRecordingBackend:
    """Holds each send a moment, so the other worker comes by while it is in flight."""

    def send(self, *, mobile: str, text: str) -> None:
        time.sleep(0.01)
        with _lock:
            SENT.append(text)


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_message_once(settings):
    settings.GRADPHOTO_SMS_BACKEND = f"{__name__}.SlowRecordingBackend"
    SENT.clear()
    now = clock.now()
    Message.objects.bulk_create(
        Message(
            channel="sms",
            recipient="13800000000",
            kind="k",
            body=f"m{n}",
            next_attempt_at=now,
            created_at=now,
        )
        for n in range(20)
    )
    results = at_once(deliver, 2)
    assert len(results) == 2 and all(isinstance(r, dict) for r in results), results
    assert Counter(SENT) == Counter(f"m{n}" for n in range(20))
    assert sum(r["sent"] for r in results) == 20
    # A message the other worker already sent is not even listed, so skips are at most 20.
    assert sum(r["skipped"] for r in results) <= 20
    assert set(Message.objects.values_list("status", "attempts")) == {("sent", 1)}
