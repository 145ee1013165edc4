"""`gradphoto demo`: build the embedded demo database, write accounts.json, serve (PRODUCT.md)."""

from __future__ import annotations

import json
import os
import shutil
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from gradphoto.demo.seed import seed


class Command(BaseCommand):
    help = "Create the demo database under GRADPHOTO_HOME, seed it, write demo/accounts.json and serve it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-serve", action="store_true", help="build the demo and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        accounts = seed()
        # The engine runs after every import; the demo's photos were stored directly, so run it once:
        # what it cannot link (刘欣治, 周佳, 王建华) waits in the university's review queue.
        from gradphoto.linking.engine import run as link_run

        link_run()
        demo_dir = settings.HOME / "demo"
        demo_dir.mkdir(parents=True, exist_ok=True)
        accounts_file = demo_dir / "accounts.json"
        accounts_file.write_text(json.dumps(accounts, ensure_ascii=False, indent=2), encoding="utf-8")
        accounts_file.chmod(0o600)
        self.stdout.write(f"Demo built in {time.monotonic() - started:.1f} s under {settings.HOME}")
        self.stdout.write(f"Logins: {accounts_file}")
        self.stdout.write(f"E-mails (activation, password reset) are written to {settings.EMAIL_FILE_PATH}")
        for entry in accounts:
            label = entry["case"] or entry["role"]
            self.stdout.write(f"  {label:28} {entry['username']:42} {entry['password']}")
        if not options["no_serve"]:
            call_command("serve", port=options["port"])

    def _reset(self) -> None:
        """A fresh demo every time: drop the embedded database and the stored files."""
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            if not os.environ.get("GRADPHOTO_DEMO_ALLOW_FLUSH"):
                raise CommandError(
                    "The demo rebuilds its database; on PostgreSQL set GRADPHOTO_DEMO_ALLOW_FLUSH=1."
                )
            call_command("migrate", interactive=False, verbosity=0)
            call_command("flush", interactive=False, verbosity=0)
        else:
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                path = f"{db['NAME']}{suffix}"
                if os.path.exists(path):
                    os.remove(path)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
