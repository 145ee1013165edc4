"""A batch's accepted photos wait as StagedPhoto rows and are published in one transaction at its end
(RELIABILITY.md REQ-CC-04): a failure at member k leaves nothing anyone can see, and a retry of the same
job publishes what was staged without checking those photos again."""

from __future__ import annotations

from django.db import transaction

from gradphoto.imports.models import ImportJob
from gradphoto.organisations.models import Organisation

from .models import StagedPhoto
from .services import StoredPhoto, photos_add_stored

PUBLISH_CHUNK = 2000  # photos per query round inside the one publishing transaction


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


def publish(job: ImportJob, counts: dict[str, int], links: dict[str, int]) -> None:
    """Every staged photo of the job becomes a linked Photo row with its audit rows, and the staged rows
    go, all in one transaction; a collection number stored meanwhile counts as unchanged."""
    agency = job.organisation
    rows = list(StagedPhoto.objects.filter(job=job).select_related("school").order_by("row"))
    with transaction.atomic():
        for start in range(0, len(rows), PUBLISH_CHUNK):
            chunk = [_stored(row, agency) for row in rows[start : start + PUBLISH_CHUNK]]
            created = photos_add_stored(stored=chunk, actor=job.created_by, batch=job)
            counts["created"] += len(created)
            counts["unchanged"] += len(chunk) - len(created)
            for photo in created:
                links[str(photo.link_state)] += 1
        StagedPhoto.objects.filter(job=job).delete()
