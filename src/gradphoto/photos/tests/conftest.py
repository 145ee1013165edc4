"""Fixtures of the photo tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def own_storage(settings: Any, tmp_path: Any) -> None:
    """A storage of this test's own: sweep and expiry counts must not see other tests' files."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
