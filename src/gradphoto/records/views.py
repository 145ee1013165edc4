"""Staff: the records of their own organisation, ID numbers masked; the admission photo to compare with."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gradphoto.accounts.models import Role
from gradphoto.common.access import role_required
from gradphoto.common.typing import AuthedRequest
from gradphoto.photos.jpeg import strip_metadata
from gradphoto.photos.models import LinkState, Photo
from gradphoto.verification.models import Conclusion

from .selectors import records_visible_to

STAFF = (Role.CENTRE_STAFF, Role.SERVICE_STAFF, Role.UNIVERSITY_STAFF, Role.COLLECTOR_STAFF, Role.OPERATOR)


@role_required(*STAFF)
def staff_list(request: AuthedRequest) -> HttpResponse:
    query = (
        records_visible_to(request.user)
        .select_related("school", "learning_centre")
        .annotate(
            has_photo=Exists(Photo.objects.filter(record=OuterRef("pk"), link_state=LinkState.LINKED)),
            has_verdict=Exists(Conclusion.objects.filter(record=OuterRef("pk"), deleted_at=None)),
        )
    )
    search = request.GET.get("q", "").strip()
    if search:
        query = query.filter(student_no=search) | query.filter(name=search)
    page = Paginator(query.order_by("school__code", "student_no"), 50).get_page(request.GET.get("page"))
    return render(request, "records/staff_list.html", {"page": page, "q": search})


@role_required(Role.UNIVERSITY_STAFF, Role.OPERATOR)
@require_GET
def admission_photo(request: AuthedRequest, record_id: int) -> HttpResponse:
    """The 录取照片 of a record of the user's school (any for an operator): what a university compares a
    contested photo with before giving it to a claimant. 404 for anyone else's record, or none."""
    record = records_visible_to(request.user).filter(pk=record_id).exclude(admission_photo="").first()
    if record is None or not default_storage.exists(record.admission_photo):
        raise Http404
    with default_storage.open(record.admission_photo, "rb") as handle:
        stored = handle.read()
    try:  # the admission file is kept as the school sent it: no EXIF (GPS…) or trailing bytes leave
        clean = strip_metadata(stored)
    except ValueError as error:
        raise Http404 from error
    response = HttpResponse(clean, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="admission-{record.pk}.jpg"'
    return response
