"""School-side writes besides registration: settings, 复核结果备案, diploma corrections and errata."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import DomainError, NotAllowed, NotFound
from gradphoto.common.rowcheck import parse_date
from gradphoto.photos.models import FaceCheck, FaceResult, LinkState, Photo
from gradphoto.records.models import StudentRecord

from .access import get_diploma_for_user
from .models import Completion, DiplomaErratum, DiplomaRecord, FaceRecheck, GraduationSettings, SchoolType
from .rules import EDITABLE_FIELDS


def _university_staff(user: User) -> None:
    if user.role != Role.UNIVERSITY_STAFF:
        raise NotAllowed(_("Only university staff may do this."), code="not_allowed")


@transaction.atomic
def settings_update(*, staff: User, president_name: str, school_type: str) -> GraduationSettings:
    """The president printed on diplomas and the default school type, per school (DOMAIN.md §5.7)."""
    _university_staff(staff)
    if school_type not in SchoolType.values:
        raise DomainError(_("Unknown school type."), code="bad_school_type")
    prefs, _created = GraduationSettings.objects.select_for_update().get_or_create(
        school_id=staff.organisation_id
    )
    before = {"president_name": prefs.president_name, "school_type": prefs.school_type}
    prefs.president_name, prefs.school_type = president_name.strip(), school_type
    prefs.updated_at, prefs.updated_by = clock.now(), staff
    prefs.save()
    after = {"president_name": prefs.president_name, "school_type": prefs.school_type}
    if before != after:
        audit_record(actor=staff, action="graduation.settings", obj=prefs, before=before, after=after)
    return prefs


@transaction.atomic
def recheck_file(*, staff: User, record_id: int, reason: str) -> FaceRecheck:
    """复核结果备案 (§6.7): after a failed, uncertain or abnormal comparison of the current photo."""
    _university_staff(staff)
    record = (
        StudentRecord.objects.select_for_update()
        .filter(pk=record_id, school_id=staff.organisation_id)
        .first()
    )
    if record is None:
        raise NotFound(_("No such record."))
    photo = Photo.objects.filter(record=record, link_state=LinkState.LINKED).first()
    if photo is None:
        raise DomainError(_("The record has no photo."), code="no_photo")
    existing = FaceRecheck.objects.filter(record=record, photo=photo).first()
    if existing is not None:
        return existing  # filed already for this photo: a second press records nothing
    check = FaceCheck.objects.filter(photo=photo, admission_sha256=record.admission_photo_sha256).first()
    if not record.admission_photo or check is None or check.result == FaceResult.PASSED:
        raise DomainError(
            _("A re-check is filed only after a failed, uncertain or abnormal comparison."),
            code="recheck_not_needed",
        )
    if not reason.strip():
        raise DomainError(_("Describe how the identity was verified."), code="reason_required")
    recheck = FaceRecheck.objects.create(
        record=record,
        photo=photo,
        face_check=check,
        reason=reason.strip(),
        filed_by=staff,
        filed_at=clock.now(),
    )
    audit_record(
        actor=staff,
        action="face.recheck_filed",
        obj=recheck,
        after={"record": record.pk, "photo": photo.pk, "result": check.result, "reason": recheck.reason},
    )
    return recheck


def _locked(staff: User, diploma_id: int) -> DiplomaRecord:
    """The school's diploma under a row lock; 404 for anyone who may not know it exists."""
    if staff.role != Role.UNIVERSITY_STAFF or get_diploma_for_user(staff, diploma_id) is None:
        raise NotFound(_("No such diploma."))
    return DiplomaRecord.objects.select_for_update().get(pk=diploma_id)


def _coerce(name: str, value: Any) -> Any:
    """A changed value in the type of the field, or DomainError (the same checks as the import)."""
    text = str(value).strip() if value is not None else ""
    if name in ("birth_date", "enrolled_on"):
        date = value if isinstance(value, dt.date) else parse_date(text)
        if date is None:
            raise DomainError(_("Dates are YYYYMMDD or YYYY-MM-DD."), code="bad_date")
        return date
    if name == "length_years":
        try:
            return Decimal(text).quantize(Decimal("0.1"))
        except InvalidOperation as error:
            raise DomainError(
                _("The length of programme is a number of years."), code="bad_length"
            ) from error
    if name == "completion" and text not in Completion.values:
        raise DomainError(_("Choose 毕业 or 结业."), code="bad_completion")
    if name == "sex" and text not in ("男", "女"):
        raise DomainError(_("Sex is 男 or 女."), code="bad_sex")
    if not text and name not in ("remarks",):
        raise DomainError(_("%(field)s cannot be empty.") % {"field": EDITABLE_FIELDS[name]}, code="empty")
    return text


def _apply(diploma: DiplomaRecord, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before, after = {}, {}
    for name, raw in changes.items():
        value = _coerce(name, raw)
        if getattr(diploma, name) != value:
            before[name], after[name] = getattr(diploma, name), value
            setattr(diploma, name, value)
    if not after:
        raise DomainError(_("Nothing changes."), code="no_change")
    diploma.updated_at = clock.now()
    diploma.save(update_fields=[*after, "updated_at"])
    return before, after


@transaction.atomic
def diploma_update(*, staff: User, diploma_id: int, changes: dict[str, Any]) -> DiplomaRecord:
    """Before the issue date the school corrects the diploma directly; after it only by erratum (BR-G3)."""
    diploma = _locked(staff, diploma_id)
    if diploma.is_published(clock.today()):
        raise NotAllowed(
            _("The diploma is published: change it through an erratum with a reason."), code="published"
        )
    before, after = _apply(diploma, changes)
    audit_record(actor=staff, action="diploma.updated", obj=diploma, before=before, after=after)
    return diploma


@transaction.atomic
def diploma_erratum(*, staff: User, diploma_id: int, changes: dict[str, Any], reason: str) -> DiplomaErratum:
    """勘误: a change with its reason and before/after, kept as a row; the certificate number stays."""
    if not reason.strip():
        raise DomainError(_("Give the reason for the erratum."), code="reason_required")
    diploma = _locked(staff, diploma_id)
    before, after = _apply(diploma, changes)
    erratum = DiplomaErratum.objects.create(
        diploma=diploma,
        before={k: str(v) for k, v in before.items()},
        after={k: str(v) for k, v in after.items()},
        reason=reason.strip(),
        by=staff,
        at=clock.now(),
    )
    audit_record(
        actor=staff, action="diploma.erratum", obj=diploma, before=before, after={**after, "reason": reason}
    )
    return erratum
