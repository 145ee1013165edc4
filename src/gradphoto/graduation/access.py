"""Who may see which diploma, report and registration (PRODUCT.md "Users"; REQ-AC-02).

University staff see their own school's records and diplomas; a student sees only the diplomas of the
records linked to their account, after the real-person check; operators may read every diploma. Anyone
else gets None, and the views answer 404 for objects and 403 for pages of another role.
"""

from __future__ import annotations

from django.db.models import QuerySet

from gradphoto.accounts.models import Role, User
from gradphoto.records.models import StudentRecord

from .models import DiplomaRecord, RegistrationBatch, VerificationReport


def diplomas_visible_to(user: User) -> QuerySet[DiplomaRecord]:
    query = DiplomaRecord.objects.select_related("record", "school")
    if user.role == Role.UNIVERSITY_STAFF:
        return query.filter(school_id=user.organisation_id)
    if user.role == Role.STUDENT and user.person_checked:
        return query.filter(record__account=user)
    if user.role == Role.OPERATOR:
        return query
    return query.none()


def get_diploma_for_user(user: User, diploma_id: int) -> DiplomaRecord | None:
    return diplomas_visible_to(user).filter(pk=diploma_id).first()


def registrable_records(user: User) -> QuerySet[StudentRecord]:
    """The records a staff member may register: their own school's, and only for university staff."""
    if user.role != Role.UNIVERSITY_STAFF:
        return StudentRecord.objects.none()
    return StudentRecord.objects.filter(school_id=user.organisation_id)


def get_batch_for_user(user: User, batch_id: int) -> RegistrationBatch | None:
    if user.role != Role.UNIVERSITY_STAFF:
        return None
    return RegistrationBatch.objects.filter(pk=batch_id, school_id=user.organisation_id).first()


def reports_of_student(user: User) -> QuerySet[VerificationReport]:
    """A graduate's own reports; nobody else's, and no one else sees them (the code is a bearer secret)."""
    if user.role != Role.STUDENT or not user.person_checked:
        return VerificationReport.objects.none()
    return VerificationReport.objects.filter(diploma__record__account=user).select_related("diploma")
