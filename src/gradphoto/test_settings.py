"""Settings for the test suite: the real settings with fast hashing, immediate jobs, a temporary home."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("GRADPHOTO_HOME", tempfile.mkdtemp(prefix="gradphoto-test-"))
os.environ["GRADPHOTO_TESTING"] = "1"
# Playwright's sync API runs an event loop in the test thread; the ORM calls of the test are still
# plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .settings import *  # noqa: F403
from .settings import DATABASES, GRADPHOTO, HOME, STATIC_ROOT

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
GRADPHOTO = dict(GRADPHOTO)
ALLOWED_HOSTS = ["*"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# SQLite tests run on a file, not in shared memory: concurrent tests need real file locks, which
# honour the busy timeout (shared-cache memory databases fail at once with "table is locked").
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    and not DATABASES["default"]["TEST"]["NAME"]
):
    DATABASES["default"]["TEST"]["NAME"] = str(HOME / "test.sqlite3")
