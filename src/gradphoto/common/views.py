from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gradphoto.accounts.models import Role

HOME_BY_ROLE: dict[str, str] = {
    Role.STUDENT: "verification:records",
    Role.OPERATOR: "accounts:reviews",
}


def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own work; visitors see what the system is for."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html")
    role = str(getattr(user, "role", ""))
    return redirect(HOME_BY_ROLE.get(role, "records:staff_list"))


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
