"""Role checks shared by views: the one place a page decides who may open it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """Logged-in users of the given roles only; others get 403 (function-level access, REQ-AC-01)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(_back_to(request))
            if getattr(user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _back_to(request: HttpRequest) -> str:
    """Where to go after logging in again. A button pressed after the session ended (a POST) cannot be
    replayed by the browser's GET: the page the button was on, when it is one of ours, else the start."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.path and referer.netloc == request.get_host():
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def person_checked(view: View) -> View:
    """Students see no record before the real-person check (PRODUCT.md decision 4)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "person_checked", False):
            return redirect("accounts:person_check")
        return view(request, *args, **kwargs)

    return wrapped
