"""What an approved application does, inside the approving transaction (DOMAIN.md §6.5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from gradphoto.accounts.models import User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import Conflict
from gradphoto.linking.services import photo_link, records_link_accounts
from gradphoto.photos.models import LinkMethod, LinkState, Photo
from gradphoto.records.models import StudentRecord
from gradphoto.verification.services import conclusions_close

from .models import Application, FormType


def _current(record: StudentRecord) -> Photo | None:
    return Photo.objects.select_for_update().filter(record=record, link_state=LinkState.LINKED).first()


def apply_effect(app: Application, staff: User) -> str:
    """Change the data; return what the student is told to do next."""
    handler = {
        FormType.SWAP: _swap,
        FormType.DELETE_VERDICT: _delete_verdict,
        FormType.FIX_IDENTITY: _fix_identity,
        FormType.REPLACE_PHOTO: _replace,
        FormType.GRADUATED_UNLINKED: _graduated,
        FormType.RECOLLECTION: _recollection,
        FormType.STATUS_ERRATUM: _erratum,
    }[app.form_type]  # type: ignore[index]
    return handler(app, staff)


def _swap(app: Application, staff: User) -> str:
    """Both links change together or neither (the caller's transaction)."""
    first, second = app.record, app.counterpart
    assert second is not None
    # Lock both records in id order so two swaps of the same pair cannot deadlock.
    list(StudentRecord.objects.select_for_update().filter(pk__in=[first.pk, second.pk]).order_by("pk"))
    a, b = _current(first), _current(second)
    if a is None or b is None:
        raise Conflict(_("One of the two students no longer has a photo."), code="swap_impossible")
    Photo.objects.filter(pk=a.pk).update(link_state=LinkState.UNLINKED, record=None)
    Photo.objects.filter(pk=b.pk).update(
        record=first, link_method=LinkMethod.CORRECTION, linked_at=clock.now()
    )
    Photo.objects.filter(pk=a.pk).update(
        link_state=LinkState.LINKED, record=second, link_method=LinkMethod.CORRECTION, linked_at=clock.now()
    )
    for record, old, new in ((first, a, b), (second, b, a)):
        audit_record(
            actor=staff,
            action="photo.swapped",
            obj=record,
            before={"photo": old.pk},
            after={"photo": new.pk, "application": app.pk},
        )
        conclusions_close(
            record=record, actor=staff, reason=_("Photos swapped by application #%(n)s") % {"n": app.pk}
        )
    return _("The photos were swapped back. Log in and verify your photo again.")


def _delete_verdict(app: Application, staff: User) -> str:
    conclusions_close(
        record=app.record, actor=staff, reason=_("Deleted by application #%(n)s") % {"n": app.pk}
    )
    return _("Your verdict was deleted. Log in and verify your photo again.")


def _fix_identity(app: Application, staff: User) -> str:
    photo = Photo.objects.select_for_update().filter(pk=app.photo_id).first() if app.photo_id else None
    if photo is None:
        raise Conflict(_("The application names no photo."), code="photo_required")
    record = app.record
    before = {"name": photo.name_collected, "id_number": photo.id_number_collected}
    photo.name_collected, photo.id_number_collected = record.name, record.id_number
    photo.key_version = 0  # the linkage keys follow the corrected collection data
    photo.save(update_fields=["name_collected", "id_number_collected", "key_version"])
    audit_record(
        actor=staff,
        action="photo.identity_corrected",
        obj=photo,
        before=before,
        after={"name": record.name, "id_number": record.id_number, "application": app.pk},
    )
    state = photo_link(photo=photo, actor=staff)
    if state != LinkState.LINKED:
        raise Conflict(_("The corrected photo still does not link to this record."), code="link_failed")
    return _("Your photo is now linked. Log in and verify it.")


def _store_new(app: Application, record: StudentRecord, staff: User) -> Photo:
    from django.core.files.storage import default_storage

    with default_storage.open(app.new_photo, "rb") as handle:
        size = len(handle.read())
    photo = Photo.objects.create(
        agency=app.school,
        school=app.school,
        collection_no=f"APP-{app.pk}",
        name_collected=record.name,
        id_number_collected=record.id_number,
        student_no_collected=record.student_no,
        collected_on=clock.today(),
        sha256=app.new_photo.rsplit("/", 1)[-1].split(".")[0],
        file=app.new_photo,
        size_bytes=size,
        record=record,
        link_state=LinkState.LINKED,
        link_method=LinkMethod.CORRECTION,
        linked_at=clock.now(),
        uploaded_at=clock.now(),
    )
    audit_record(
        actor=staff, action="photo.replaced", obj=photo, after={"record": record.pk, "application": app.pk}
    )
    return photo


def _supersede(record: StudentRecord, staff: User, app: Application) -> None:
    """The current photo stays on file as a duplicate collection; it is no longer the record's photo."""
    current = _current(record)
    if current is not None:
        Photo.objects.filter(pk=current.pk).update(link_state=LinkState.DUPLICATE)
        audit_record(
            actor=staff,
            action="photo.superseded",
            obj=current,
            before={"link_state": LinkState.LINKED},
            after={"link_state": LinkState.DUPLICATE, "application": app.pk},
        )
    conclusions_close(
        record=record, actor=staff, reason=_("Photo replaced by application #%(n)s") % {"n": app.pk}
    )


def _replace(app: Application, staff: User) -> str:
    _supersede(app.record, staff, app)
    _store_new(app, app.record, staff)
    return _("Your photo was replaced. Log in and verify the new photo.")


def _graduated(app: Application, staff: User) -> str:
    record = app.record
    if _current(record) is not None:
        raise Conflict(_("This record already has a photo."), code="already_linked")
    if app.photo_id:
        Photo.objects.filter(pk=app.photo_id, link_state=LinkState.UNLINKED).update(
            record=record,
            link_state=LinkState.LINKED,
            link_method=LinkMethod.CORRECTION,
            linked_at=clock.now(),
        )
        audit_record(
            actor=staff,
            action="photo.linked",
            obj=record,
            after={"photo": app.photo_id, "application": app.pk},
        )
    else:
        _store_new(app, record, staff)
    next_week = clock.today() + dt.timedelta(days=7)
    return _("The photo is linked to your record. Check 学历信息 again the following week (from %(d)s).") % {
        "d": next_week
    }


def _recollection(app: Application, staff: User) -> str:
    _supersede(app.record, staff, app)
    return _("You may be photographed again; the new collection will become your photo.")


def _erratum(app: Application, staff: User) -> str:
    record = StudentRecord.objects.select_for_update().get(pk=app.record_id)
    before = {k: str(getattr(record, k)) for k in app.erratum}
    for key, value in app.erratum.items():
        if key == "birth_date":
            value = dt.date.fromisoformat(value)
        elif key == "length_years":
            value = Decimal(value)
        setattr(record, key, value)
    record.key_version = 0  # the linkage keys follow the corrected name, ID number and birth date
    record.save()
    audit_record(
        actor=staff,
        action="record.erratum",
        obj=record,
        before=before,
        after={**app.erratum, "application": app.pk},
    )
    records_link_accounts(records=[record], actor=staff)
    return _("Your status data was corrected.")
