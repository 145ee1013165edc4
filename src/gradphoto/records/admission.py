"""Admission photos (录取照片) beside a 学籍 file: a ZIP of JPEGs named <学号>.jpg or <考生号>.jpg."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.db import transaction

from gradphoto.audit.services import audit_record
from gradphoto.common.images import ImageRejected, check_image, store_content_addressed
from gradphoto.imports.models import ImportJob
from gradphoto.organisations.models import Organisation
from gradphoto.photos.archive import ArchiveRejected, BatchArchive

from .models import StudentRecord

MAX_ADMISSION_BYTES = 5 * 1024**2


def admission_archive_check(job: ImportJob) -> None:
    """Refuse the whole job (ArchiveRejected) before any 学籍 row is written when the admission-photo ZIP
    beside the file cannot be used at all; a damaged photo inside it is only that photo's problem."""
    from gradphoto.imports.services import job_file

    if job.extra_file:
        with job_file(job, extra=True) as handle, BatchArchive(handle, manifest_required=False):
            pass


def import_admission_photos(*, job: ImportJob, school: Organisation) -> dict[str, Any]:
    """Attach each JPEG to the record whose 学号 or 考生号 is its file name; report the others."""
    from gradphoto.imports.services import job_file
    from gradphoto.photos.tasks import compare_faces

    attached, problems = [], []
    with job_file(job, extra=True) as handle, BatchArchive(handle, manifest_required=False) as archive:
        for name in archive.photo_names():
            stem = PurePosixPath(name).stem
            record = (
                StudentRecord.objects.filter(school=school, student_no=stem).first()
                or StudentRecord.objects.filter(school=school, exam_no=stem).exclude(exam_no="").first()
            )
            if record is None:
                problems.append(
                    {"file": name, "code": "no_record", "message": "找不到学号或考生号为该文件名的学籍"}
                )
                continue
            try:
                data = archive.read(name)
                check_image(data, formats=("JPEG",), max_bytes=MAX_ADMISSION_BYTES)
            except (ArchiveRejected, ImageRejected) as error:
                problems.append({"file": name, "code": error.code, "message": error.message})
                continue
            stored, digest = store_content_addressed(data, folder="admission", extension="jpg")
            if record.admission_photo_sha256 != digest:
                with transaction.atomic():
                    StudentRecord.objects.filter(pk=record.pk).update(
                        admission_photo=stored, admission_photo_sha256=digest
                    )
                    audit_record(
                        actor=job.created_by,
                        action="record.admission_photo",
                        obj=record,
                        before={"sha256": record.admission_photo_sha256},
                        after={"sha256": digest},
                    )
            attached.append(record.pk)
    if attached:
        transaction.on_commit(lambda: compare_faces.enqueue(attached))
    return {"admission_photos": len(attached), "admission_problems": problems}
