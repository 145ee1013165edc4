"""Storing collected photos: content-addressed by sha256, then linked by the exact rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from gradphoto.audit.services import audit_record
from gradphoto.common import clock, idnumber
from gradphoto.common.images import store_content_addressed
from gradphoto.linking.services import photo_link
from gradphoto.organisations.models import Organisation

from .models import Photo


def normalise_collected_id(raw: str) -> str:
    """The collected ID as typed, only normalised (width, case): wrong digits stay wrong (BR-D7)."""
    return idnumber.normalise(raw)


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
    name_in_storage, digest = store_content_addressed(data, folder="photos", extension="jpg")
    try:
        photo = _create(
            agency,
            school,
            collection_no,
            name,
            id_number,
            student_no,
            collection_code,
            collected_on,
            digest,
            name_in_storage,
            len(data),
            thumbnail,
            batch,
            actor,
        )
    except IntegrityError:  # a concurrent run stored the same collection first
        return Photo.objects.get(agency=agency, collection_no=collection_no)
    photo.refresh_from_db()
    return photo


def _create(
    agency: Organisation,
    school: Organisation,
    collection_no: str,
    name: str,
    id_number: str,
    student_no: str,
    collection_code: str,
    collected_on: dt.date,
    digest: str,
    stored: str,
    size: int,
    thumbnail: str,
    batch: Any,
    actor: Any,
) -> Photo:
    with transaction.atomic():
        photo = Photo.objects.create(
            agency=agency,
            school=school,
            collection_no=collection_no,
            collection_code=collection_code,
            name_collected=name.strip(),
            id_number_collected=normalise_collected_id(id_number),
            student_no_collected=student_no.strip(),
            collected_on=collected_on,
            sha256=digest,
            file=stored,
            size_bytes=size,
            uploaded_at=clock.now(),
            thumbnail=thumbnail,
            batch=batch,
        )
        audit_record(
            actor=actor,
            action="photo.added",
            obj=photo,
            after={"agency": agency.code, "collection_no": collection_no, "sha256": digest},
        )
        photo_link(photo=photo, actor=actor)
    return photo
