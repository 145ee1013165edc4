from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from gradphoto.accounts.models import Role
from gradphoto.common.access import role_required
from gradphoto.common.typing import AuthedRequest

from .selectors import progress_for


@role_required(Role.CENTRE_STAFF, Role.SERVICE_STAFF, Role.UNIVERSITY_STAFF, Role.OPERATOR)
def progress(request: AuthedRequest) -> HttpResponse:
    return render(request, "reports/progress.html", progress_for(request.user))
