"""Factories for graduation tests: eligible graduates, face checks, registration in one call."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from gradphoto.accounts.models import User
from gradphoto.common import clock
from gradphoto.common.testing import Personas, make_photo, make_record, make_student, tiny_jpeg
from gradphoto.graduation.gate import Options
from gradphoto.graduation.models import GraduationSettings, RegistrationBatch
from gradphoto.graduation.registration import graduates_register, options_for
from gradphoto.organisations.models import Organisation
from gradphoto.photos.models import FaceCheck, Photo
from gradphoto.records.models import StudentRecord
from gradphoto.verification.services import conclusion_submit

PRESIDENT = "龚旗煌"
GRADUATION_DAY = dt.date(2026, 7, 1)


def set_president(school: Organisation, name: str = PRESIDENT, school_type: str = "1") -> None:
    GraduationSettings.objects.update_or_create(
        school=school, defaults={"president_name": name, "school_type": school_type}
    )


def graduate(
    personas: Personas,
    *,
    verdict: str | None = "correct",
    school: Organisation | None = None,
    photo_data: bytes | None = None,
    **fields: Any,
) -> tuple[StudentRecord, Photo, User]:
    """A 注册学籍 record with a linked photo, its student, and (by default) a live 照片正确."""
    school = school or personas.school
    fields.setdefault("expected_graduation_on", GRADUATION_DAY)
    record = make_record(school, **fields)
    photo = make_photo(record, personas.agency, data=photo_data or tiny_jpeg())
    student = make_student(record)
    if verdict == "correct":
        conclusion_submit(student=student, record_id=record.pk, verdict="correct")
    elif verdict == "wrong":
        conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="not_swapped")
    record.refresh_from_db()
    return record, photo, student


def with_admission_photo(record: StudentRecord, photo: Photo, result: str | None) -> FaceCheck | None:
    """Give the record an admission photo and, unless None, a comparison result for its photo."""
    data = tiny_jpeg()
    record.admission_photo = "admission/x.jpg"
    record.admission_photo_sha256 = hashlib.sha256(data).hexdigest()
    record.save(update_fields=["admission_photo", "admission_photo_sha256"])
    if result is None:
        return None
    return FaceCheck.objects.create(
        record=record,
        photo=photo,
        admission_sha256=record.admission_photo_sha256,
        distance=0.3 if result == "passed" else 0.7,
        result=result,
        checked_at=clock.now(),
    )


def register(
    staff: User | None, records: list[StudentRecord], school: Organisation | None = None, **options: Any
) -> RegistrationBatch:
    school = school or records[0].school
    opts: Options = options_for(school, **options)
    return graduates_register(
        staff=staff, school=school, record_ids=[r.pk for r in records], options=opts, source="selection"
    )
