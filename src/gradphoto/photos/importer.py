"""Importing a photo batch: safe ZIP, manifest rows, the photo standard, storage, exact linking."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from multiprocessing import get_context
from typing import Any

from django.db import transaction

from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.common.images import store_content_addressed
from gradphoto.common.tabular import RowError, read_table
from gradphoto.imports.models import ImportJob
from gradphoto.organisations.models import Organisation, OrgKind

from .archive import BatchArchive
from .manifest import MANIFEST_COLUMNS, ManifestRow, validate_manifest_rows
from .models import Photo
from .services import photo_add
from .standard import CheckResult, PhotoProfile, check_photo

INLINE_BELOW = 16  # small batches are checked in this process: starting a pool costs more


def profile_for(agency: Organisation) -> PhotoProfile:
    """The canonical profile with the agency's own size bounds and background (PRODUCT.md decision 6)."""
    base = PhotoProfile()
    colour = agency.photo_background.lstrip("#")
    return PhotoProfile(
        min_bytes=(agency.photo_min_kb or base.min_bytes // 1024) * 1024,
        max_bytes=(agency.photo_max_kb or base.max_bytes // 1024) * 1024,
        background=tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
        if len(colour) == 6
        else base.background,  # type: ignore[arg-type]
        background_tolerance=agency.photo_background_tolerance or base.background_tolerance,
    )


def _check(args: tuple[bytes, PhotoProfile]) -> CheckResult:
    return check_photo(*args)


def _checked(items: list[tuple[ManifestRow, bytes]], profile: PhotoProfile) -> Iterator[CheckResult]:
    """Check photos on every core, in manifest order (ISSUE 3: the import uses both cores)."""
    processes = rule("IMPORT_PROCESSES") or os.cpu_count() or 1
    if len(items) < INLINE_BELOW or processes == 1:
        yield from (check_photo(data, profile) for _row, data in items)
        return
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("fork")) as pool:
        yield from pool.map(_check, [(data, profile) for _row, data in items], chunksize=4)


def _schools(
    rows: list[ManifestRow], errors: list[RowError]
) -> tuple[list[ManifestRow], dict[str, Organisation]]:
    codes = {r.school_code for r in rows}
    schools = {o.code: o for o in Organisation.objects.filter(kind=OrgKind.SCHOOL, code__in=codes)}
    kept = []
    for row in rows:
        if row.school_code in schools:
            kept.append(row)
        else:
            errors.append(RowError(row.row, "YXDM", "unknown_school", f"院校代码 {row.school_code} 不存在"))
    return kept, schools


def import_photos(*, job: ImportJob, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Every manifest row becomes a stored, linked photo or a reported rejection; re-runs skip done rows."""
    from gradphoto.imports.services import job_file

    agency = job.organisation
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    links = {"linked": 0, "duplicate": 0, "unlinked": 0}
    with job_file(job) as handle, BatchArchive(handle) as archive:
        table = read_table(archive.manifest_bytes(), archive.manifest_name, MANIFEST_COLUMNS)
        rows, errors = validate_manifest_rows(table, today=clock.today())
        rows, schools = _schools(rows, errors)
        present = set(archive.photo_names())
        listed = {r.filename for r in rows}
        rows = _missing_files(rows, present, errors)
        done_already = set(
            Photo.objects.filter(
                agency=agency, collection_no__in=[r.collection_no for r in rows]
            ).values_list("collection_no", flat=True)
        )
        counts["unchanged"] = len(done_already)
        todo = [r for r in rows if r.collection_no not in done_already]
        total = len(table.rows)
        progress(total - len(todo), total)
        profile = profile_for(agency)
        for start in range(0, len(todo), 64):
            chunk = todo[start : start + 64]
            items = [(row, archive.read(row.filename)) for row in chunk]
            for (row, _data), result in zip(items, _checked(items, profile), strict=True):
                _store(job, agency, schools[row.school_code], row, result, errors, counts, links)
            progress(total - len(todo) + start + len(chunk), total)
    counts["rejected"] = len({e.row for e in errors})
    extra = {**links, "unlisted_files": sorted(present - listed), "unknown_columns": table.unknown_columns}
    _compare_faces_after_commit(job)
    return {
        "counts": counts,
        "errors": [asdict(e) for e in sorted(errors, key=lambda e: e.row)],
        "extra": extra,
    }


def _missing_files(rows: list[ManifestRow], present: set[str], errors: list[RowError]) -> list[ManifestRow]:
    kept = []
    for row in rows:
        if row.filename in present:
            kept.append(row)
        else:
            errors.append(RowError(row.row, "ZPWJ", "file_missing", f"压缩包中没有照片文件 {row.filename}"))
    return kept


def _store(
    job: ImportJob,
    agency: Organisation,
    school: Organisation,
    row: ManifestRow,
    result: CheckResult,
    errors: list[RowError],
    counts: dict[str, int],
    links: dict[str, int],
) -> None:
    if not result.ok or result.clean_jpeg is None:
        errors.extend(RowError(row.row, "ZPWJ", r.code, r.message) for r in result.rejections)
        return
    thumbnail = (
        store_content_addressed(result.thumbnail, folder="thumbs", extension="jpg")[0]
        if result.thumbnail
        else ""
    )
    photo = photo_add(
        agency=agency,
        school=school,
        collection_no=row.collection_no,
        name=row.name,
        id_number=row.id_number,
        collected_on=row.collected_on,
        data=result.clean_jpeg,
        student_no=row.student_no,
        collection_code=row.collection_code,
        actor=job.created_by,
        thumbnail=thumbnail,
        batch=job,
    )
    counts["created"] += 1
    links[str(photo.link_state)] += 1


def _compare_faces_after_commit(job: ImportJob) -> None:
    from .tasks import compare_faces

    record_ids = list(
        Photo.objects.filter(batch=job, link_state="linked")
        .exclude(record__admission_photo="")
        .values_list("record_id", flat=True)
    )
    if record_ids:
        transaction.on_commit(lambda: compare_faces.enqueue(record_ids))
