from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from gradphoto.common.conf import rule


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if user is not None and user.is_authenticated else ""
    # The windows pages speak of are settings (DOMAIN.md §13): never a number written into a sentence.
    return {
        "nav_role": role,
        "verdict_hours": rule("VERDICT_WINDOW_HOURS"),
        "claim_hours": rule("CLAIM_DELAY_HOURS"),
    }
