"""`gradphoto serve`: gunicorn on 127.0.0.1 plus one background worker (PRODUCT.md "Command line")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from gradphoto.common.staticfiles import collect_static_if_changed


class Command(BaseCommand):
    help = "Serve the application with gunicorn and run a background worker beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("GRADPHOTO_BIND_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--no-worker", action="store_true", help="do not start a background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        collect_static_if_changed()
        bind = f"{options['host']}:{options['port']}"
        env = dict(os.environ, GRADPHOTO_HOME=str(settings.HOME))
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "gradphoto.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            "4",
            "--timeout",
            "120",
            "--access-logfile",
            "-",
        ]
        children = [subprocess.Popen(web, env=env)]
        if not options["no_worker"]:
            cli = [sys.executable, "-m", "gradphoto.cli"]
            children.append(subprocess.Popen([*cli, "worker"], env=env))
            # Retries of e-mail and SMS that failed at first (notifications/README.md).
            children.append(subprocess.Popen([*cli, "send-notifications", "--loop"], env=env))
        # A SIGTERM (service manager, timeout) must stop the children too, not leave them orphaned.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"Serving on http://{bind}/  (Ctrl+C stops)")
        self.stdout.flush()
        try:
            children[0].wait()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
