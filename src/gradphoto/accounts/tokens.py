"""API tokens: shown once, stored as a sha256 (PRODUCT.md "api_token")."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _

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


def bearer_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let an API client fetch this page's file with its token (`Authorization: Bearer <token>`), as it
    calls the API: the photo URLs the API returns are such pages. A browser session works as before; the
    token logs nobody in. A token that names nobody is a 401, never a login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and not request.user.is_authenticated:
            user = user_for_token(header.removeprefix("Bearer ").strip())
            if user is None:
                body = {
                    "code": "unauthorized",
                    "message": _("Send a valid API token: Authorization: Bearer <token>."),
                }
                return JsonResponse(body, status=401)
            request.user = user
        return view(request, *args, **kwargs)

    return wrapper
