"""Shared by the benchmarks: a fresh embedded database in a temporary GRADPHOTO_HOME."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def django_in_temp_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="gradphoto-bench-"))
    os.environ["GRADPHOTO_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "gradphoto.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return home
