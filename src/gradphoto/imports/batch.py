"""The photos a batch job created and where each stands now (linked, duplicate or unlinked): the page names
the unlinked ones, the XLSX report lists them all with the manifest row that named them."""

from __future__ import annotations

from typing import Any, NamedTuple

from gradphoto.common.errors import DomainError

from .models import ImportJob, ImportKind


class BatchPhoto(NamedTuple):
    collection_no: str
    row: int | None  # the manifest row, None when the stored batch can no longer be read
    link_state: str


def numbers_in_state(job: ImportJob, limit: int, state: str) -> tuple[list[str], int]:
    """The first `limit` 采集号 of the batch's photos in link ``state`` now (unlinked; duplicate), in
    import order, and how many there are in all; the links made after the import (engine, review,
    claims) count."""
    from gradphoto.photos.models import Photo

    if job.kind != ImportKind.PHOTOS:
        return [], 0
    query = Photo.objects.filter(batch=job, link_state=state).order_by("pk")
    numbers = list(query.values_list("collection_no", flat=True)[:limit])
    return numbers, (len(numbers) if len(numbers) < limit else query.count())


EXPIRED = "expired"  # the state the report gives a photo `gradphoto expire-photos` deleted


def _expired_events(job: ImportJob) -> Any:
    from gradphoto.audit.models import AuditEvent

    return AuditEvent.objects.filter(action="photo.expired", before__batch=job.pk).order_by("pk")


def expired_numbers(job: ImportJob, limit: int) -> tuple[list[str], int]:
    """The first `limit` 采集号 of the batch's photos that `gradphoto expire-photos` deleted, and how many
    there are (from their `photo.expired` audit rows: the photos themselves are gone)."""
    if job.kind != ImportKind.PHOTOS:
        return [], 0
    events = _expired_events(job)
    numbers = [before.get("collection_no", "") for before in events.values_list("before", flat=True)[:limit]]
    return numbers, (len(numbers) if len(numbers) < limit else events.count())


def batch_photos(job: ImportJob) -> list[BatchPhoto]:
    """Every photo the job created, in import order, with its manifest row and its link state now."""
    from gradphoto.photos.models import Photo

    if job.kind != ImportKind.PHOTOS:
        return []
    photos = Photo.objects.filter(batch=job).order_by("pk").values_list("collection_no", "link_state")
    expired = [b.get("collection_no", "") for b in _expired_events(job).values_list("before", flat=True)]
    rows = manifest_rows(job)
    found = [BatchPhoto(number, rows.get(number), state) for number, state in photos]
    gone = [BatchPhoto(number, rows.get(number), EXPIRED) for number in expired]
    return sorted(found + gone, key=lambda p: (p.row is None, p.row or 0)) if gone else found


def manifest_rows(job: ImportJob) -> dict[str, int]:
    """采集号 → the manifest row (as Excel numbers it) that named it, read again from the stored batch;
    Photo rows do not keep it. Empty when the batch cannot be read any more (its file swept)."""
    from gradphoto.common.tabular import read_table
    from gradphoto.photos.archive import BatchArchive
    from gradphoto.photos.manifest import MANIFEST_COLUMNS

    from .services import job_file

    try:
        with job_file(job) as handle, BatchArchive(handle) as archive:
            table = read_table(archive.manifest_bytes(), archive.manifest_name, MANIFEST_COLUMNS)
    except (DomainError, OSError, KeyError, ValueError):
        return {}
    found: dict[str, int] = {}
    for number, cells in table.rows:
        found.setdefault(cells["CJH"].text, number)  # a repeated 采集号: its first row is the one imported
    return found
