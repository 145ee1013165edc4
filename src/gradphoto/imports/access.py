"""Who may see an import job: staff of its organisation, and operators."""

from __future__ import annotations

from django.db.models import QuerySet

from gradphoto.accounts.models import Role, User

from .models import ImportJob

IMPORT_ROLES = (Role.UNIVERSITY_STAFF, Role.COLLECTOR_STAFF, Role.OPERATOR)


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    query = ImportJob.objects.select_related("organisation", "created_by")
    if user.role == Role.OPERATOR:
        return query
    if user.role in (Role.UNIVERSITY_STAFF, Role.COLLECTOR_STAFF):
        return query.filter(organisation=user.organisation)
    return query.none()


def get_job_for_user(user: User, job_id: int) -> ImportJob | None:
    return jobs_visible_to(user).filter(pk=job_id).first()
