"""SMS backends, chosen by GRADPHOTO_SMS_BACKEND (a dotted path), like Django's e-mail backends."""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from gradphoto.common import clock

DEFAULT_BACKEND = "gradphoto.notifications.backends.FileSmsBackend"
# Well below the delivery lease (services.LEASE), so a hung gateway never lets a second worker resend.
GATEWAY_TIMEOUT_SECONDS = 15


class SmsError(Exception):
    """The gateway refused or could not be reached; the message is retried."""


class SmsBackend(Protocol):
    def send(self, *, mobile: str, text: str) -> None: ...


def get_sms_backend() -> SmsBackend:
    """The configured backend; a wrong path fails loudly instead of dropping messages."""
    path = getattr(settings, "GRADPHOTO_SMS_BACKEND", "") or DEFAULT_BACKEND
    backend: SmsBackend = import_string(path)()
    return backend


class FileSmsBackend:
    """The demo and development: one JSON line per SMS in HOME/sms/YYYY-MM-DD.jsonl."""

    _lock = threading.Lock()

    def send(self, *, mobile: str, text: str) -> None:
        folder = settings.HOME / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        now = clock.now()
        line = json.dumps({"at": now.isoformat(), "mobile": mobile, "text": text}, ensure_ascii=False)
        with self._lock, open(folder / f"{clock.today():%Y-%m-%d}.jsonl", "a", encoding="utf-8") as out:
            out.write(line + "\n")


class ConsoleSmsBackend:
    """Prints each SMS on standard output (a developer's terminal)."""

    def send(self, *, mobile: str, text: str) -> None:
        sys.stdout.write(f"SMS to {mobile}: {text}\n")
        sys.stdout.flush()


class HttpSmsBackend:
    """POSTs {"mobile", "text"} as JSON to GRADPHOTO_SMS_GATEWAY_URL; anything but 2xx is an error."""

    def __init__(self, url: str | None = None, timeout: float = GATEWAY_TIMEOUT_SECONDS) -> None:
        self.url: str = url or getattr(settings, "GRADPHOTO_SMS_GATEWAY_URL", "") or ""
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("GRADPHOTO_SMS_GATEWAY_URL must be an http(s) URL.")
        self.timeout = timeout

    def send(self, *, mobile: str, text: str) -> None:
        payload = json.dumps({"mobile": mobile, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from error
        except OSError as error:  # refused, DNS, timeout
            raise SmsError(f"gateway unreachable: {error}") from error
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")
