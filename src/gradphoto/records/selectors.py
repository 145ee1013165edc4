"""Which records a staff member may see: their own organisation's only (PRODUCT.md "Users")."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gradphoto.accounts.models import Role, User

from .models import StudentRecord


def records_visible_to(user: User) -> QuerySet[StudentRecord]:
    """The records in a staff member's scope; none for anyone else."""
    query = StudentRecord.objects.all()
    org_id = user.organisation_id
    if user.role == Role.UNIVERSITY_STAFF:
        return query.filter(school_id=org_id)
    if user.role == Role.CENTRE_STAFF:
        return query.filter(learning_centre_id=org_id)
    if user.role == Role.SERVICE_STAFF:
        return query.filter(learning_centre__parent_id=org_id)
    if user.role == Role.COLLECTOR_STAFF:
        return query.filter(Q(photos__agency_id=org_id)).distinct()
    if user.role == Role.OPERATOR:
        return query
    if user.role == Role.STUDENT and user.person_checked:
        return query.filter(account=user)
    return query.none()
