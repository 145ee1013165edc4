"""Storing collected photos: content-addressed by sha256, then linked by the exact rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from gradphoto.audit.models import AuditEvent
from gradphoto.audit.services import audit_record
from gradphoto.common import clock, idnumber
from gradphoto.common.images import store_content_addressed
from gradphoto.linking.engine.keys import photo_keys_fill
from gradphoto.linking.services import photo_link, photos_link_new
from gradphoto.organisations.models import Organisation

from .models import LinkState, Photo


def normalise_collected_id(raw: str) -> str:
    """The collected ID as typed, only normalised (width, case): wrong digits stay wrong (BR-D7)."""
    return idnumber.normalise(raw)


@dataclass(frozen=True)
class StoredPhoto:
    """An accepted photo whose file (and thumbnail) are already in storage, waiting for its row."""

    agency: Organisation
    school: Organisation
    collection_no: str
    name: str
    id_number: str
    collected_on: dt.date
    sha256: str
    file: str
    size: int
    thumbnail: str = ""
    student_no: str = ""
    collection_code: str = ""


def photo_add(
    *,
    agency: Organisation,
    school: Organisation,
    collection_no: str,
    name: str,
    id_number: str,
    collected_on: dt.date,
    data: bytes,
    student_no: str = "",
    collection_code: str = "",
    actor: Any = None,
    thumbnail: str = "",
    batch: Any = None,
) -> Photo:
    """Store one accepted photo and link it; the same (agency, collection number) twice is a no-op."""
    existing = Photo.objects.filter(agency=agency, collection_no=collection_no).first()
    if existing is not None:
        return existing
    stored, digest = store_content_addressed(data, folder="photos", extension="jpg")
    item = StoredPhoto(
        agency=agency,
        school=school,
        collection_no=collection_no,
        name=name,
        id_number=id_number,
        collected_on=collected_on,
        sha256=digest,
        file=stored,
        size=len(data),
        thumbnail=thumbnail,
        student_no=student_no,
        collection_code=collection_code,
    )
    try:
        return _create_stored(item, actor, batch)
    except IntegrityError:  # a concurrent run stored the same collection first
        return Photo.objects.get(agency=agency, collection_no=collection_no)


def photos_add_stored(*, stored: list[StoredPhoto], actor: Any = None, batch: Any = None) -> list[Photo]:
    """Rows for stored photos in one transaction, linked exactly (photo_add's rules and audit rows).

    A collection number the agency already has is skipped (a re-run stores nothing twice); the created
    photos come back in order. Should a concurrent writer win a unique constraint, the chunk is rolled
    back and each photo goes through the one-at-a-time path instead.
    """
    try:
        with transaction.atomic():
            return _add_chunk(stored, actor, batch)
    except IntegrityError:
        created = []
        for item in stored:
            try:
                created.append(_create_stored(item, actor, batch))
            except IntegrityError:  # that collection number was stored meanwhile
                continue
        return created


def _new_photo(item: StoredPhoto, batch: Any, now: dt.datetime) -> Photo:
    photo = Photo(
        agency=item.agency,
        school=item.school,
        collection_no=item.collection_no,
        collection_code=item.collection_code,
        name_collected=item.name.strip(),
        id_number_collected=normalise_collected_id(item.id_number),
        student_no_collected=item.student_no.strip(),
        collected_on=item.collected_on,
        sha256=item.sha256,
        file=item.file,
        size_bytes=item.size,
        uploaded_at=now,
        thumbnail=item.thumbnail,
        batch=batch,
    )
    photo_keys_fill(photo)  # the linkage keys are written with the row
    return photo


def _add_chunk(stored: list[StoredPhoto], actor: Any, batch: Any) -> list[Photo]:
    existing = {
        (agency_id, no)
        for agency_id, no in Photo.objects.filter(
            agency_id__in={s.agency.pk for s in stored}, collection_no__in=[s.collection_no for s in stored]
        ).values_list("agency_id", "collection_no")
    }
    now, photos = clock.now(), []
    for item in stored:
        if (item.agency.pk, item.collection_no) not in existing:
            existing.add((item.agency.pk, item.collection_no))
            photos.append(_new_photo(item, batch, now))
    photos_link_new(photos=photos, now=now)
    Photo.objects.bulk_create(photos)
    AuditEvent.objects.bulk_create(event for photo in photos for event in _audit_events(photo, actor, now))
    return photos


def _audit_events(photo: Photo, actor: Any, now: dt.datetime) -> list[AuditEvent]:
    """The rows audit_record writes for photo_add: photo.added, then photo.linked or photo.duplicate."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    common = {
        "at": now,
        "actor": user,
        "actor_role": getattr(user, "role", "") if user else "system",
        "object_type": Photo._meta.label_lower,
        "object_id": str(photo.pk),
    }
    after = {"agency": photo.agency.code, "collection_no": photo.collection_no, "sha256": photo.sha256}
    events = [AuditEvent(action="photo.added", before={}, after=after, **common)]
    if photo.link_state != LinkState.UNLINKED:
        events.append(
            AuditEvent(
                action=f"photo.{photo.link_state}",
                before={"link_state": str(LinkState.UNLINKED)},
                after={"record": photo.record_id, "link_state": str(photo.link_state)},
                **common,
            )
        )
    return events


def _create_stored(item: StoredPhoto, actor: Any, batch: Any) -> Photo:
    """One photo's row, its photo.added audit row and its link, in one transaction."""
    with transaction.atomic():
        photo = _new_photo(item, batch, clock.now())
        photo.save(force_insert=True)
        after = {"agency": item.agency.code, "collection_no": item.collection_no, "sha256": item.sha256}
        audit_record(actor=actor, action="photo.added", obj=photo, after=after)
        photo_link(photo=photo, actor=actor)
    photo.refresh_from_db()
    return photo
