"""Comparing diploma photos with admission photos and storing passed / uncertain / failed."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from gradphoto.common import clock
from gradphoto.common.conf import rule

from .models import FaceCheck, LinkState, Photo


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def face_checks_run(*, record_ids: list[int]) -> int:
    """One check per (current photo, admission photo) pair; an existing pair is not computed again."""
    from .faces import compare

    thresholds = rule("FACE_THRESHOLDS")
    done = 0
    photos = Photo.objects.filter(record_id__in=record_ids, link_state=LinkState.LINKED).select_related(
        "record"
    )
    for photo in photos.exclude(record__admission_photo=""):
        record = photo.record
        assert record is not None
        if FaceCheck.objects.filter(photo=photo, admission_sha256=record.admission_photo_sha256).exists():
            continue
        result, distance = compare(
            _read(photo.file),
            _read(record.admission_photo),
            pass_below=thresholds[0],
            fail_above=thresholds[1],
        )
        try:
            with transaction.atomic():
                FaceCheck.objects.create(
                    record=record,
                    photo=photo,
                    admission_sha256=record.admission_photo_sha256,
                    distance=distance if distance >= 0 else None,
                    result=result,
                    checked_at=clock.now(),
                )
        except IntegrityError:
            continue  # another worker stored the same pair
        done += 1
    return done
