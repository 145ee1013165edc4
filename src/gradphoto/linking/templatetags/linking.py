"""Template filters of linking: a record's open claim on 学籍信息."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def claim_of(claims: dict[int, Any] | None, record_pk: int) -> Any:
    """The open claim of a record from the view's {record pk: claim}, or None."""
    return (claims or {}).get(record_pk)
