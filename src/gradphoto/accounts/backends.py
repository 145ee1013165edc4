"""Log in with e-mail, ID number, mobile number or username (DOMAIN BR-B7)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from gradphoto.common import idnumber

from .models import AccountState, User


def find_login_user(identifier: str) -> User | None:
    """The one live account an identifier names, or None (a shared mobile number names none)."""
    identifier = identifier.strip()
    if not identifier:
        return None
    query = Q(username=identifier) | Q(email__iexact=identifier)
    normalised = idnumber.normalise(identifier)
    if len(normalised) in (15, 18) and normalised[:15].isdigit():
        query |= Q(id_number=normalised)
        if len(normalised) == 15 and normalised.isdigit():
            query |= Q(id_number=idnumber.upgrade15(normalised))
    if identifier.isdigit() and len(identifier) == 11:
        query |= Q(mobile=identifier)
    users = list(User.objects.filter(query).exclude(account_state=AccountState.DEREGISTERED)[:2])
    return users[0] if len(users) == 1 else None


class IdentifierBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = find_login_user(username)
        if user is None:
            # Same cost as a real check, so response time does not tell whether an account exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
