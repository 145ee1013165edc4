"""Unlinked photos expire (RELIABILITY.md REQ-FP-08, REQ-PI-03; PIPL Art. 19 and 47).

A photo nobody could link is a face with a typed name and ID number of someone who may never have been a
student of the school: it is kept only as long as a student or a university can still use it. After
UNLINKED_PHOTO_RETENTION_DAYS (a setting, 365: a whole collection and verification season) since upload,
`gradphoto expire-photos` deletes the rows of photos that are still unlinked and that nothing names: no
claim in any state (a claim's history is the university's), no correction application, no conclusion or
graduation row (those are PROTECT references, so such a photo is skipped, not forced). Suggestions and old
search candidates go with the photo. Each deletion writes a `photo.expired` audit row with the agency,
collection number, school, upload time and sha256, never the name or ID number. The files are left to
`gradphoto sweep-files`, which deletes them once no row names them (another photo may share the bytes).
Duplicates are not expired here: they belong to a known record's history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import ProtectedError, Q

from gradphoto.audit.services import audit_many
from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.corrections.models import Application
from gradphoto.graduation.models import DiplomaRecord, FaceRecheck
from gradphoto.linking.models import PhotoClaim
from gradphoto.verification.models import Conclusion

from .models import LinkState, Photo

CHUNK = 500
MAX_DAYS = 36_500  # a hundred years: beyond it the cut-off date does not exist


def _referenced(pks: Any) -> Q:
    """Photos among ``pks`` that a claim (any state), an application, a conclusion or a graduation row
    names: such a photo is part of someone's case and is kept."""
    return (
        Q(pk__in=PhotoClaim.objects.filter(photo_id__in=pks).values("photo_id"))
        | Q(pk__in=Application.objects.filter(photo_id__in=pks).values("photo_id"))
        | Q(pk__in=Conclusion.objects.filter(photo_id__in=pks).values("photo_id"))
        | Q(pk__in=FaceRecheck.objects.filter(photo_id__in=pks).values("photo_id"))
        | Q(pk__in=DiplomaRecord.objects.filter(source_photo_id__in=pks).values("source_photo_id"))
    )


def _old_unlinked(before: dt.datetime) -> Any:
    return Photo.objects.filter(link_state=LinkState.UNLINKED, uploaded_at__lt=before)


def expirable(before: dt.datetime) -> Any:
    """Unlinked photos uploaded before ``before`` that nothing names."""
    old = _old_unlinked(before)
    return old.exclude(_referenced(old.values("pk")))


def _event(photo: Photo, now: dt.datetime) -> tuple[str, type[Photo], int, dict[str, Any], dict[str, Any]]:
    before = {
        "agency": photo.agency.code,
        "collection_no": photo.collection_no,
        "school": photo.school.code,
        "uploaded_at": photo.uploaded_at.isoformat(),
        "sha256": photo.sha256,
        "batch": photo.batch_id,  # the batch's report page says which of its photos expired
    }
    return ("photo.expired", Photo, photo.pk, before, {"expired_at": now.isoformat()})


def _delete(pks: list[int], before: dt.datetime, now: dt.datetime) -> int:
    """Delete these photos if they are still expirable, in one transaction with their audit rows.

    The rows are locked first (in id order), and only then is "nothing names them" asked, in a statement
    of its own: on PostgreSQL a claim committed while the lock was awaited is seen, never cascaded away.
    A claim or a link that comes later waits for the lock and then finds the photo gone.
    """
    with transaction.atomic():
        locked = _old_unlinked(before).filter(pk__in=pks).order_by("pk")
        if connection.features.has_select_for_update:
            locked = locked.select_for_update()
        ids = list(locked.values_list("pk", flat=True))
        named = set(Photo.objects.filter(_referenced(ids)).values_list("pk", flat=True))
        photos = list(
            Photo.objects.filter(pk__in=[i for i in ids if i not in named])
            .select_related("agency", "school")
            .order_by("pk")
        )
        if not photos:
            return 0
        audit_many(actor=None, at=now, events=(_event(p, now) for p in photos))
        Photo.objects.filter(pk__in=[p.pk for p in photos]).delete()
    return len(photos)


def photos_expire(*, days: int | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete (or, dry, only count) the expired unlinked photos; ``days`` defaults to the setting.

    ``kept_referenced`` counts the unlinked photos past the period that something still names. A period
    under one day or over MAX_DAYS is refused (ValueError): 0 would expire every unlinked photo.
    """
    days = rule("UNLINKED_PHOTO_RETENTION_DAYS") if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"保留天数应为 1–{MAX_DAYS} 天，现为 {days}")
    now = clock.now()
    before = now - dt.timedelta(days=days)
    old = _old_unlinked(before).count()
    pks = list(expirable(before).order_by("pk").values_list("pk", flat=True))
    expired = len(pks) if dry_run else 0
    for start in range(0, 0 if dry_run else len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        try:
            expired += _delete(chunk, before, now)
        except ProtectedError:  # named by a row this module does not know: one by one
            for pk in chunk:
                try:
                    expired += _delete([pk], before, now)
                except ProtectedError:
                    continue
    return {"older_than_days": days, "expired": expired, "kept_referenced": max(old - expired, 0)}
