"""Cells of files that staff open in Excel (reports, match results): never a formula (RELIABILITY.md
CSV-09; OWASP's fix, as Symfony's CVE-2021-41270 patch: prefix the cell with an apostrophe)."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: Any) -> Any:
    """A text that Excel would evaluate, prefixed with ' so that it shows as typed; other values as given."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
