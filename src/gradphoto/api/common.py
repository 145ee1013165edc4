from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from gradphoto.accounts.models import User
from gradphoto.common.errors import NotAllowed


class ErrorOut(Schema):
    code: str
    message: str


def user_of(request: HttpRequest) -> User:
    """The token's user (TokenAuth returns it as request.auth)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def user_in(request: HttpRequest, *roles: str) -> User:
    """The token's user when its role is one of ``roles`` (those of the matching page), else 403: an empty
    list would answer a role that has no business with the endpoint as if it had."""
    user = user_of(request)
    if user.role not in roles:
        raise NotAllowed(_("Your role has no access to this."), code="forbidden_role")
    return user
