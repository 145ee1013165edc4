"""Staff: the records of their own organisation, ID numbers masked."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import render

from gradphoto.accounts.models import Role
from gradphoto.common.access import role_required
from gradphoto.common.typing import AuthedRequest
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
