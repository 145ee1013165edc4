"""Importing a photo batch: safe ZIP, manifest rows, the photo standard, storage, exact linking."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict
from hashlib import sha256
from multiprocessing import get_context
from typing import Any

from django.db import transaction

from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.common.images import store_content_addressed
from gradphoto.common.tabular import RowError, read_table
from gradphoto.imports.models import ImportJob
from gradphoto.organisations.models import Organisation, OrgKind

from . import faces, staging
from .archive import ArchiveRejected, BatchArchive
from .jpeg import strip_metadata
from .manifest import MANIFEST_COLUMNS, ManifestRow, validate_manifest_rows
from .models import Photo, StagedPhoto
from .standard import CheckResult, PhotoProfile, Rejection, check_photo

INLINE_BELOW = 16  # small batches are checked in this process: starting a pool costs more
TASK_PHOTOS = 4  # photos per task sent to a worker
WINDOW = 4  # photos in flight per worker: enough to keep it busy, few enough to bound memory
CHUNK = 64  # accepted photos staged per transaction (a killed run checks at most one chunk again)
PROGRESS_EVERY = 64  # rows between progress updates


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


def _check_many(items: list[bytes | Rejection], profile: PhotoProfile) -> list[CheckResult]:
    return [_check_one(item, profile) for item in items]


def _check_one(item: bytes | Rejection, profile: PhotoProfile) -> CheckResult:
    """The photo's check, or the reason its bytes could not be read from the archive."""
    return check_photo(item, profile) if isinstance(item, bytes) else CheckResult(rejections=[item])


def _member(archive: BatchArchive, row: ManifestRow) -> bytes | Rejection:
    """The photo's bytes; a damaged member (bad CRC, broken deflate, more bytes than its header says) is
    that row's rejection, not the batch's: the rows before it are already stored (ZIP-10)."""
    try:
        return archive.read(row.filename)
    except ArchiveRejected as error:
        return Rejection(error.code, error.message)


def _checked(
    rows: list[ManifestRow], archive: BatchArchive, profile: PhotoProfile
) -> Iterator[tuple[ManifestRow, CheckResult]]:
    """Each row with its check, in manifest order; photos are read here and checked on every core.

    A sliding window keeps every worker busy while this process stores the photos already checked, and
    never holds more than WINDOW photos per worker in flight (ISSUE 3: the import uses both cores).
    """
    processes = rule("IMPORT_PROCESSES") or os.cpu_count() or 1
    if len(rows) < INLINE_BELOW or processes == 1:
        yield from ((row, _check_one(_member(archive, row), profile)) for row in rows)
        return
    faces.load_for_workers()  # forked workers share the models instead of loading them each
    tasks = (rows[i : i + TASK_PHOTOS] for i in range(0, len(rows), TASK_PHOTOS))
    window: deque[tuple[list[ManifestRow], Future[list[CheckResult]]]] = deque()
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("fork")) as pool:

        def submit() -> None:
            if (task := next(tasks, None)) is not None:
                photos = [_member(archive, row) for row in task]
                window.append((task, pool.submit(_check_many, photos, profile)))

        for _ in range(processes * WINDOW // TASK_PHOTOS):
            submit()
        try:
            while window:
                task, future = window.popleft()
                yield from zip(task, future.result(), strict=True)
                submit()
        finally:  # a failed import does not wait for photos nobody will store
            for _task, future in window:
                future.cancel()


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
        listed = [cells["ZPWJ"].text for _number, cells in table.rows if "ZPWJ" in cells]
        archive.settle_names(listed)
        todo = _not_done(job, _missing_files(rows, archive, errors), archive, (counts, links), errors)
        # checked and staged by an earlier run of this job
        already = staging.staged_numbers(job, wanted={row.collection_no for row in todo})
        todo = [row for row in todo if row.collection_no not in already]
        total = len(table.rows)
        progress(total - len(todo), total)
        profile = profile_for(agency)
        pending: list[StagedPhoto] = []
        try:
            for done, (row, result) in enumerate(_checked(todo, archive, profile), 1):
                _store(job, schools[row.school_code], row, result, errors, pending)
                if len(pending) >= CHUNK:
                    staging.stage(pending)
                if done % PROGRESS_EVERY == 0 or done == len(todo):
                    progress(total - len(todo) + done, total)
        finally:  # what was checked stays staged for a retry; none of it is visible
            staging.stage(pending)
    staging.publish(job, counts, links, errors)
    counts["rejected"] = len({e.row for e in errors})
    extra = {**links, "unlisted_files": archive.unlisted(listed), "unknown_columns": table.unknown_columns}
    extra["identical_photos"] = identical_photos(job)
    _compare_faces_after_commit(job)
    return {
        "counts": counts,
        "errors": [asdict(e) for e in sorted(errors, key=lambda e: e.row)],
        "extra": extra,
    }


def _not_done(
    job: ImportJob,
    rows: list[ManifestRow],
    archive: BatchArchive,
    tallies: tuple[dict[str, int], dict[str, int]],
    errors: list[RowError],
) -> list[ManifestRow]:
    """The rows whose collection number the agency has not stored yet. A stored one is unchanged when
    the row and its photo are what was stored (a re-run), else refused (`staging.taken`); one this very
    job published (a run stopped between publishing and its report) is counted as created, with its link
    state, so that the retried job reports what the job did."""
    counts, links = tallies
    stored = staging.stored_photos(job.organisation, [r.collection_no for r in rows])
    todo = []
    for row in rows:
        photo = stored.get(row.collection_no)
        if photo is None:
            todo.append(row)
            continue
        data = _member(archive, row)
        if isinstance(data, Rejection):  # unreadable: say so, not "another photo"
            errors.append(RowError(row.row, "ZPWJ", data.code, data.message))
        elif error := staging.taken(row.row, row.collection_no, _collected(row, data), photo):
            errors.append(error)
        elif photo.batch_id == job.pk:
            counts["created"] += 1
            links[str(photo.link_state)] += 1
        else:
            counts["unchanged"] += 1
    return todo


def _collected(row: ManifestRow, data: bytes) -> staging.Collected:
    try:
        digest = sha256(strip_metadata(data)).hexdigest()
    except ValueError:  # not a JPEG: it cannot be the stored photo
        digest = ""
    return staging.Collected(
        row.school_code,
        row.name,
        row.id_number,
        row.student_no,
        row.collected_on,
        row.collection_code,
        digest,
    )


def _missing_files(
    rows: list[ManifestRow], archive: BatchArchive, errors: list[RowError]
) -> list[ManifestRow]:
    """Rows whose photo is in the batch (found as the archive finds names: "./", case, Unicode form, the
    wrapping folder), each file for one row only: a later row naming the same file differently is
    `duplicate_file`, as a repeated name is."""
    kept: list[ManifestRow] = []
    first_row: dict[str, int] = {}
    for row in rows:
        key = archive.member_key(row.filename)
        if key is None:
            errors.append(RowError(row.row, "ZPWJ", "file_missing", f"压缩包中没有照片文件 {row.filename}"))
        elif key in first_row:
            message = f"照片文件 {row.filename} 与第 {first_row[key]} 行是同一个文件"
            errors.append(RowError(row.row, "ZPWJ", "duplicate_file", message))
        else:
            first_row[key] = row.row
            kept.append(row)
    return kept


def _store(
    job: ImportJob,
    school: Organisation,
    row: ManifestRow,
    result: CheckResult,
    errors: list[RowError],
    pending: list[StagedPhoto],
) -> None:
    """A rejected row becomes its errors; an accepted photo's files are stored and its row staged."""
    if not result.ok or result.clean_jpeg is None:
        errors.extend(RowError(row.row, "ZPWJ", r.code, r.message) for r in result.rejections)
        return
    thumbnail = (
        store_content_addressed(result.thumbnail, folder="thumbs", extension="jpg")[0]
        if result.thumbnail
        else ""
    )
    name, digest = store_content_addressed(result.clean_jpeg, folder="photos", extension="jpg")
    pending.append(
        StagedPhoto(
            job=job,
            row=row.row,
            collection_no=row.collection_no,
            school=school,
            name=row.name,
            id_number=row.id_number,
            student_no=row.student_no,
            collection_code=row.collection_code,
            collected_on=row.collected_on,
            sha256=digest,
            file=name,
            size_bytes=len(result.clean_jpeg),
            thumbnail=thumbnail,
        )
    )


def _compare_faces_after_commit(job: ImportJob) -> None:
    from .tasks import compare_faces

    record_ids = list(
        Photo.objects.filter(batch=job, link_state="linked")
        .exclude(record__admission_photo="")
        .values_list("record_id", flat=True)
    )
    if record_ids:
        transaction.on_commit(lambda: compare_faces.enqueue(record_ids))


def identical_photos(job: ImportJob) -> list[str]:
    """Collection numbers of this agency whose photo files are byte for byte one of this batch's, a group
    per file ("A、B"): one photo used for two collections is an agency's copy mistake, so the report shows
    it (PRODUCT.md has no rule refusing it; a student of either collection can still say 照片错误)."""
    mine = Photo.objects.filter(batch=job).values("sha256")
    same = Photo.objects.filter(agency=job.organisation, sha256__in=mine).order_by("sha256", "collection_no")
    groups: dict[str, list[str]] = {}
    for digest, number in same.values_list("sha256", "collection_no"):
        groups.setdefault(digest, []).append(number)
    return sorted("、".join(numbers) for numbers in groups.values() if len(numbers) > 1)
