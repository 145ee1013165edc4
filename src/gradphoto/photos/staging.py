"""A batch's accepted photos wait as StagedPhoto rows and are published in one transaction at its end
(RELIABILITY.md REQ-CC-04): a failure at member k leaves nothing anyone can see, and a retry of the same
job publishes what was staged without checking those photos again."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db import transaction

from gradphoto.common.tabular import RowError
from gradphoto.imports.models import ImportJob
from gradphoto.organisations.models import Organisation

from .models import Photo, StagedPhoto
from .services import StoredPhoto, photos_add_stored

PUBLISH_CHUNK = 2000  # photos per query round inside the one publishing transaction
STORED_FIELDS = ("name_collected", "id_number_collected", "student_no_collected", "collected_on")
_TAKEN = "采集号 {} 已导入过，本次的{}与已导入的不同；未作任何更改。重新采集请使用新的采集号"


class Collected(NamedTuple):
    """What a batch row says about one collection, to compare with the photo stored under its number;
    sha256 of the photo without metadata (as stored), "" when it is not a JPEG."""

    school_code: str
    name: str
    id_number: str
    student_no: str
    collected_on: dt.date
    collection_code: str
    sha256: str


def taken(row: int, collection_no: str, collected: Collected, photo: Photo) -> RowError | None:
    """`collection_no_taken` naming what differs from the stored photo, or None when nothing does (a
    re-run): a collection number names one collection, and a batch never changes what is stored."""
    pairs = {
        "院校代码": (collected.school_code, photo.school.code),
        "姓名": (collected.name, photo.name_collected),
        "身份证号": (collected.id_number, photo.id_number_collected),
        "学号": (collected.student_no, photo.student_no_collected),
        "采集日期": (collected.collected_on, photo.collected_on),
        "采集码": (collected.collection_code, photo.collection_code),
        "照片": (collected.sha256, photo.sha256),
    }
    differs = [label for label, (new, old) in pairs.items() if new != old]
    if not differs:
        return None
    return RowError(row, "CJH", "collection_no_taken", _TAKEN.format(collection_no, "、".join(differs)))


def stored_photos(agency: Organisation, numbers: list[str]) -> dict[str, Photo]:
    """The agency's stored photos under these collection numbers, with what `taken` compares."""
    query = Photo.objects.filter(agency=agency, collection_no__in=numbers).select_related("school")
    fields = (
        *STORED_FIELDS,
        "collection_code",
        "collection_no",
        "school__code",
        "sha256",
        "batch",
        "link_state",
    )
    return {photo.collection_no: photo for photo in query.only(*fields)}


def stage(pending: list[StagedPhoto]) -> None:
    """Write the pending rows (one short transaction per chunk; a re-staged number is kept once)."""
    chunk, pending[:] = pending[:], []
    if chunk:
        StagedPhoto.objects.bulk_create(chunk, ignore_conflicts=True)


def staged_numbers(job: ImportJob, *, wanted: set[str]) -> set[str]:
    """Collection numbers an earlier run of this job staged already (a retry, a resumed worker). Staged
    numbers no longer wanted (stored by another batch meanwhile, already counted) are dropped."""
    StagedPhoto.objects.filter(job=job).exclude(collection_no__in=wanted).delete()
    return set(StagedPhoto.objects.filter(job=job).values_list("collection_no", flat=True))


def _stored(row: StagedPhoto, agency: Organisation) -> StoredPhoto:
    return StoredPhoto(
        agency=agency,
        school=row.school,
        collection_no=row.collection_no,
        name=row.name,
        id_number=row.id_number,
        collected_on=row.collected_on,
        sha256=row.sha256,
        file=row.file,
        size=row.size_bytes,
        thumbnail=row.thumbnail,
        student_no=row.student_no,
        collection_code=row.collection_code,
    )


def publish(job: ImportJob, counts: dict[str, int], links: dict[str, int], errors: list[RowError]) -> None:
    """Every staged photo of the job becomes a linked Photo row with its audit rows, and the staged rows
    go, all in one transaction. A number another batch stored meanwhile is unchanged when it holds the
    same collection, else the row's `collection_no_taken` error."""
    agency = job.organisation
    rows = list(StagedPhoto.objects.filter(job=job).select_related("school").order_by("row"))
    with transaction.atomic():
        # One publishing per agency at a time: two batches inserting the same collection numbers in
        # different orders would deadlock on the unique index (PostgreSQL) instead of one finding the
        # other's photos; SQLite's IMMEDIATE transactions queue anyway.
        Organisation.objects.select_for_update().filter(pk=agency.pk).first()
        for start in range(0, len(rows), PUBLISH_CHUNK):
            chunk = rows[start : start + PUBLISH_CHUNK]
            created = photos_add_stored(
                stored=[_stored(r, agency) for r in chunk], actor=job.created_by, batch=job
            )
            counts["created"] += len(created)
            for photo in created:
                links[str(photo.link_state)] += 1
            made = {photo.collection_no for photo in created}
            _not_published([r for r in chunk if r.collection_no not in made], agency, counts, errors)
        StagedPhoto.objects.filter(job=job).delete()


def _not_published(
    rows: list[StagedPhoto], agency: Organisation, counts: dict[str, int], errors: list[RowError]
) -> None:
    stored = stored_photos(agency, [r.collection_no for r in rows])
    for row in rows:
        collected = Collected(
            row.school.code,
            row.name,
            row.id_number,
            row.student_no,
            row.collected_on,
            row.collection_code,
            row.sha256,
        )
        photo = stored.get(row.collection_no)
        error = taken(row.row, row.collection_no, collected, photo) if photo is not None else None
        if error is None:
            counts["unchanged"] += 1
        else:
            errors.append(error)
