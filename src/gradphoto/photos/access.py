"""Who may see a photo: its student, and staff whose organisation it concerns (REQ-AC-02)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from gradphoto.accounts.models import Role, User

from .models import Photo


def get_photo_for_user(user: User, photo_id: int) -> Photo | None:
    """The photo if the user may see it, else None (the view answers 404 either way)."""
    query = Photo.objects.filter(pk=photo_id)
    org_id = user.organisation_id
    if user.role == Role.STUDENT:
        if not user.person_checked:
            return None
        query = query.filter(record__account=user).exclude(link_state="unlinked")
    elif user.role == Role.UNIVERSITY_STAFF:
        query = query.filter(Q(school_id=org_id) | Q(record__school_id=org_id) | _to_decide(org_id))
    elif user.role == Role.COLLECTOR_STAFF:
        query = query.filter(agency_id=org_id)
    elif user.role == Role.CENTRE_STAFF:
        query = query.filter(record__learning_centre_id=org_id)
    elif user.role == Role.SERVICE_STAFF:
        query = query.filter(record__learning_centre__parent_id=org_id)
    elif user.role != Role.OPERATOR:
        return None
    return query.first()


def _to_decide(org_id: int | None) -> Q:
    """Photos the university decides about although collected under another school's code: an open
    suggestion for one of its records, or an open claim by one of its students (linking/queue.py)."""
    from gradphoto.linking.models import LinkSuggestion, PhotoClaim

    suggested = LinkSuggestion.objects.filter(photo_id=OuterRef("pk"), school_id=org_id, state="open")
    claimed = PhotoClaim.objects.filter(
        photo_id=OuterRef("pk"), school_id=org_id, state__in=["pending", "conflicted"]
    )
    return Q(Exists(suggested)) | Q(Exists(claimed))
