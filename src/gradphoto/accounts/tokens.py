"""API tokens: shown once, stored as a sha256 (PRODUCT.md "api_token")."""

from __future__ import annotations

import hashlib
import secrets

from .models import AccountState, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_issue(*, user: User) -> str:
    """A new token for the user; the previous one stops working."""
    token = "gp_" + secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    user.save(update_fields=["api_token_hash"])
    return token


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    return (
        User.objects.filter(api_token_hash=token_hash(token), is_active=True)
        .exclude(account_state=AccountState.DEREGISTERED)
        .select_related("organisation")
        .first()
    )
