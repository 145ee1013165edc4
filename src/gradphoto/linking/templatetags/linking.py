"""Template filters of linking: a record's open claim on 学籍信息; the review queue's evidence."""

from __future__ import annotations

from typing import Any

from django import template

from gradphoto.linking import labels
from gradphoto.linking.models import ClaimState

register = template.Library()


@register.filter
def claim_of(claims: dict[int, Any] | None, record_pk: int) -> Any:
    """The open claim of a record from the view's {record pk: claim}, or None."""
    return (claims or {}).get(record_pk)


@register.filter
def is_open(claim: Any) -> bool:
    """A claim still waiting: for its delay (pending) or for the university (conflicted)."""
    return getattr(claim, "state", None) in (ClaimState.PENDING, ClaimState.CONFLICTED)


@register.filter
def evidence_rows(evidence: dict[str, str] | None) -> list[tuple[str, str]]:
    """A suggestion's evidence as ("field: level", tone) rows in the user's language."""
    return labels.evidence_rows(evidence or {})


@register.filter
def reason_text(code: str) -> str:
    """Why the engine did not link automatically, in the user's language."""
    return labels.reason_text(code or "")


@register.filter
def id_against(number: str, other: str) -> str:
    """An ID number masked except where it differs from the other one (a one-digit typo shows)."""
    return labels.masked_against(number or "", other or "")
