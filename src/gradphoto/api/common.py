from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Schema

from gradphoto.accounts.models import User


class ErrorOut(Schema):
    code: str
    message: str


def user_of(request: HttpRequest) -> User:
    """The token's user (TokenAuth returns it as request.auth)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]
