"""`gradphoto send-notifications [--loop]`: deliver every due e-mail and SMS of the outbox."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from gradphoto.common.dbstate import require_database
from gradphoto.notifications.services import deliver

INTERVAL_SECONDS = 30


class Command(BaseCommand):
    help = "Send due notifications (new ones and retries); --loop keeps sending every 30 seconds."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="keep going until interrupted")
        parser.add_argument(
            "--interval", type=float, default=INTERVAL_SECONDS, help="seconds between rounds with --loop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_database()
        try:
            while True:
                counts = deliver()
                if any(counts.values()) or not options["loop"]:
                    self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
                if not options["loop"]:
                    return
                # A long-running process must not keep a connection the database has dropped.
                close_old_connections()
                time.sleep(options["interval"])
        except KeyboardInterrupt:
            return
