"""The outside world for the outbox tests: a real SMTP server and a tiny SMS gateway, both local."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on (until a test starts a server there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Collector:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    collector: Collector = field(default_factory=Collector)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self) -> list[Any]:
        return self.collector.envelopes


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """Settings point at 127.0.0.1:<free port>; the server is not started: tests call start()."""
    server = SmtpServer(port=free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@dataclass
class Gateway:
    url: str
    received: list[dict[str, Any]]
    answer: list[int]


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    """An HTTP SMS gateway in a thread; `answer[0]` is the status it replies with."""
    received: list[dict[str, Any]] = []
    answer = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(
                {"path": self.path, "type": self.headers["Content-Type"]}
                | json.loads(self.rfile.read(length))
            )
            self.send_response(answer[0])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.GRADPHOTO_SMS_BACKEND = "gradphoto.notifications.backends.HttpSmsBackend"
    settings.GRADPHOTO_SMS_GATEWAY_URL = url
    yield Gateway(url=url, received=received, answer=answer)
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms_home(settings: Any, tmp_path: Any) -> Any:
    """The file SMS backend, writing under a fresh HOME."""
    settings.HOME = tmp_path
    settings.GRADPHOTO_SMS_BACKEND = "gradphoto.notifications.backends.FileSmsBackend"
    return tmp_path / "sms"
