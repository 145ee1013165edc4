"""Who sees which application: the student, and staff of the organisations it passes through."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gradphoto.accounts.models import Role, User

from .models import Application


def applications_visible_to(user: User) -> QuerySet[Application]:
    query = Application.objects.select_related(
        "record", "record__school", "school", "centre", "service_centre"
    )
    org = user.organisation_id
    if user.role == Role.STUDENT:  # nothing of a record before the real-person check (decision 4)
        return query.filter(record__account=user) if user.person_checked else query.none()
    if user.role == Role.CENTRE_STAFF:
        return query.filter(centre_id=org)
    if user.role == Role.SERVICE_STAFF:
        return query.filter(service_centre_id=org)
    if user.role == Role.UNIVERSITY_STAFF:
        # The school's own office files for students without a learning centre.
        return query.filter(Q(school_id=org))
    if user.role == Role.OPERATOR:
        return query
    return query.none()


def get_application_for_user(user: User, application_id: int) -> Application | None:
    return applications_visible_to(user).filter(pk=application_id).first()
