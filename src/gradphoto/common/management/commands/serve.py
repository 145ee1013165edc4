"""`gradphoto serve`: gunicorn on 127.0.0.1 with static files collected (PRODUCT.md)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the application with gunicorn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("GRADPHOTO_BIND_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Serving on http://{bind}/  (Ctrl+C stops)")
        self.stdout.flush()
        env = dict(os.environ, GRADPHOTO_HOME=str(settings.HOME))
        argv = [
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
            "--access-logfile",
            "-",
        ]
        os.execve(sys.executable, argv, env)  # noqa: S606 - replace this process with gunicorn
