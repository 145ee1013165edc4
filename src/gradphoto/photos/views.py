from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from gradphoto.accounts.tokens import bearer_allowed

from .access import get_photo_for_user


@bearer_allowed
@require_GET
def image(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        raise Http404
    photo = get_photo_for_user(request.user, photo_id)
    if photo is None or not default_storage.exists(photo.file):
        raise Http404
    response = FileResponse(default_storage.open(photo.file, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
