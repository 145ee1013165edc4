"""What the filing office adds to an application, checked before it is filed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from gradphoto.accounts.models import User
from gradphoto.common import idnumber
from gradphoto.common.errors import DomainError
from gradphoto.common.images import store_content_addressed
from gradphoto.photos.models import LinkState, Photo
from gradphoto.photos.standard import check_photo
from gradphoto.records.selectors import records_visible_to

from .models import Application, FormType

ERRATUM_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "ethnicity",
    "major",
    "level",
    "study_mode",
    "length_years",
)


def apply_details(app: Application, details: dict[str, Any], staff: User) -> None:
    """Fill the fields the form type needs; raise DomainError (code + Chinese message) when one is wrong.
    ``staff`` files it: another student it names must be one this office may see."""
    if details.get("reason"):
        app.reason = str(details["reason"]).strip()
    handler = {
        FormType.SWAP: _swap,
        FormType.FIX_IDENTITY: _fix_identity,
        FormType.REPLACE_PHOTO: _new_photo,
        FormType.GRADUATED_UNLINKED: _graduated,
        FormType.STATUS_ERRATUM: _erratum,
    }.get(app.form_type)  # type: ignore[call-overload]
    if handler is not None:
        handler(app, details, staff)
    app.save()


def _swap(app: Application, details: dict[str, Any], staff: User) -> None:
    """The other student of the swapped pair, among the records this office may see: the form shows its
    name, ID number and photo, which another learning centre's office must not get by typing a 学号
    (and a 学号 outside its scope is answered as one that does not exist)."""
    other = (
        records_visible_to(staff)
        .filter(school=app.school, student_no=str(details.get("counterpart_student_no", "")).strip())
        .first()
    )
    if other is None or other.pk == app.record_id:
        raise DomainError(
            _("Give the student number of the other student, one of your own students of the same school."),
            code="counterpart_required",
        )
    if not Photo.objects.filter(record=other, link_state=LinkState.LINKED).exists():
        raise DomainError(_("The other student has no photo to swap."), code="counterpart_no_photo")
    app.counterpart = other


def _unlinked_photo(app: Application, **identity: str) -> Photo | None:
    """The school's unlinked photo with this identity, locked on PostgreSQL until the application is
    saved: `gradphoto expire-photos` cannot delete it in between (it waits, then sees it named)."""
    query = Photo.objects.filter(school=app.school, link_state=LinkState.UNLINKED, **identity).order_by("pk")
    if connection.features.has_select_for_update:
        query = query.select_for_update(no_key=True)
    return query.first()


def _fix_identity(app: Application, details: dict[str, Any], staff: User) -> None:
    name = str(details.get("wrong_name", "")).strip()
    number = idnumber.normalise(str(details.get("wrong_id_number", "")))
    if not name or not number:
        raise DomainError(
            _("Give the name and ID number printed on the paper photo."), code="wrong_identity_required"
        )
    photo = _unlinked_photo(app, name_collected=name, id_number_collected=number)
    if photo is None:
        raise DomainError(
            _("No unlinked photo of this school carries that name and ID number."), code="photo_not_found"
        )
    app.wrong_name, app.wrong_id_number, app.photo = name, number, photo


def _new_photo(app: Application, details: dict[str, Any], staff: User) -> None:
    data = details.get("new_photo")
    if not data:
        raise DomainError(_("Upload the correct e-photo."), code="photo_required")
    result = check_photo(data)
    if not result.ok or result.clean_jpeg is None:
        raise DomainError("；".join(r.message for r in result.rejections), code=result.rejections[0].code)
    app.new_photo = store_content_addressed(result.clean_jpeg, folder="photos", extension="jpg")[0]


def _graduated(app: Application, details: dict[str, Any], staff: User) -> None:
    collection_no = str(details.get("collection_no", "")).strip()
    if collection_no:
        photo = _unlinked_photo(app, collection_no=collection_no)
        if photo is None:
            raise DomainError(
                _("No unlinked photo of this school has that collection number."), code="photo_not_found"
            )
        app.photo = photo
        return
    _new_photo(app, details, staff)


def _erratum(app: Application, details: dict[str, Any], staff: User) -> None:
    changes = {
        k: str(v).strip()
        for k, v in dict(details.get("erratum") or {}).items()
        if k in ERRATUM_FIELDS and str(v).strip()
    }
    if not changes:
        raise DomainError(_("Give at least one corrected field."), code="erratum_required")
    try:
        if "id_number" in changes:
            changes["id_number"] = idnumber.parse(changes["id_number"]).number
        if "birth_date" in changes:
            dt.date.fromisoformat(changes["birth_date"])
        if "length_years" in changes:
            Decimal(changes["length_years"])
    except (idnumber.IdNumberError, ValueError, InvalidOperation) as error:
        raise DomainError(
            _("A corrected value is not valid: %(error)s") % {"error": error}, code="erratum_invalid"
        ) from error
    app.erratum = changes
