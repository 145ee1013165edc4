"""Business-rule settings (settings.GRADPHOTO), read in one typed place."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def rule(name: str) -> Any:
    """A value of settings.GRADPHOTO (DOMAIN.md §13: every duration and limit is a setting)."""
    return settings.GRADPHOTO[name]
