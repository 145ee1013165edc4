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
from django.db.models import ProtectedError

from gradphoto.audit.services import audit_many
from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.corrections.models import Application
from gradphoto.linking.models import PhotoClaim

from .models import LinkState, Photo

CHUNK = 500


def expirable(before: dt.datetime) -> Any:
    """Unlinked photos uploaded before ``before`` that no claim or application names."""
    return (
        Photo.objects.filter(link_state=LinkState.UNLINKED, uploaded_at__lt=before)
        .exclude(pk__in=PhotoClaim.objects.values("photo_id"))
        .exclude(pk__in=Application.objects.exclude(photo=None).values("photo_id"))
    )


def _event(photo: Photo, now: dt.datetime) -> tuple[str, type[Photo], int, dict[str, Any], dict[str, Any]]:
    before = {
        "agency": photo.agency.code,
        "collection_no": photo.collection_no,
        "school": photo.school.code,
        "uploaded_at": photo.uploaded_at.isoformat(),
        "sha256": photo.sha256,
    }
    return ("photo.expired", Photo, photo.pk, before, {"expired_at": now.isoformat()})


def _delete(pks: list[int], before: dt.datetime, now: dt.datetime) -> int:
    """Delete these photos if they are still expirable, in one transaction with their audit rows."""
    with transaction.atomic():
        query = expirable(before).filter(pk__in=pks).select_related("agency", "school")
        if connection.features.has_select_for_update:
            query = query.select_for_update(of=("self",))
        photos = list(query)
        if not photos:
            return 0
        audit_many(actor=None, at=now, events=(_event(p, now) for p in photos))
        Photo.objects.filter(pk__in=[p.pk for p in photos]).delete()
    return len(photos)


def photos_expire(*, days: int | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete (or, dry, only count) the expired unlinked photos; ``days`` defaults to the setting.

    ``kept_referenced`` counts the unlinked photos past the period that something still names.
    """
    days = rule("UNLINKED_PHOTO_RETENTION_DAYS") if days is None else days
    now = clock.now()
    before = now - dt.timedelta(days=days)
    old = Photo.objects.filter(link_state=LinkState.UNLINKED, uploaded_at__lt=before).count()
    pks = list(expirable(before).order_by("pk").values_list("pk", flat=True))
    expired = len(pks) if dry_run else 0
    for start in range(0, 0 if dry_run else len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        try:
            expired += _delete(chunk, before, now)
        except ProtectedError:  # a conclusion or a graduation row names one of them: one by one
            for pk in chunk:
                try:
                    expired += _delete([pk], before, now)
                except ProtectedError:
                    continue
    return {"older_than_days": days, "expired": expired, "kept_referenced": max(old - expired, 0)}
