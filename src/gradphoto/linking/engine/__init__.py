"""The linkage engine (README.md): normalise → keys → tiered candidates → Fellegi–Sunter → decisions."""

from __future__ import annotations

from typing import Any


def run(*, school_ids: Any = None, notify_now: bool = False) -> dict[str, Any]:
    """Link the certain, suggest the probable, for every unlinked photo (of some schools)."""
    from .runner import run as _run

    return _run(school_ids=school_ids, notify_now=notify_now)
