from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from gradphoto.accounts.tokens import user_for_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token names one user and so one organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
