"""Request types for views that only authenticated users reach (role_required guarantees it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from gradphoto.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
