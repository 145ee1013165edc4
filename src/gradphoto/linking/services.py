"""Exact linking (DOMAIN.md §15.3): accounts ↔ records and photos ↔ records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from gradphoto.accounts.models import AccountState, Role, User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.photos.models import LinkMethod, LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord


@transaction.atomic
def account_link_records(*, user: User, actor: Any = None) -> list[StudentRecord]:
    """Link a live student account to every record with its exact (name, ID number); unlink the rest."""
    if user.role != Role.STUDENT:
        return []
    live = user.account_state == AccountState.ACTIVE and bool(user.id_number)
    matching = (
        StudentRecord.objects.select_for_update().filter(name=user.real_name, id_number=user.id_number)
        if live
        else StudentRecord.objects.none()
    )
    linked = []
    for record in matching:
        if record.account_id != user.pk:
            before = {"account": record.account_id}
            record.account = user
            record.save(update_fields=["account", "updated_at"])
            audit_record(
                actor=actor,
                action="record.account_linked",
                obj=record,
                before=before,
                after={"account": user.pk},
            )
        linked.append(record)
    stale = (
        StudentRecord.objects.select_for_update().filter(account=user).exclude(pk__in=[r.pk for r in linked])
    )
    for record in stale:
        record.account = None
        record.save(update_fields=["account", "updated_at"])
        audit_record(
            actor=actor,
            action="record.account_unlinked",
            obj=record,
            before={"account": user.pk},
            after={"account": None},
        )
    return linked


@transaction.atomic
def records_link_accounts(*, records: Iterable[StudentRecord], actor: Any = None) -> int:
    """After records change: give each the live account with its exact identity, or none."""
    changed = 0
    ids = [r.pk for r in records]
    for record in StudentRecord.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        account = User.objects.filter(
            role=Role.STUDENT,
            account_state=AccountState.ACTIVE,
            real_name=record.name,
            id_number=record.id_number,
        ).first()
        new_id = account.pk if account else None
        if record.account_id != new_id:
            audit_record(
                actor=actor,
                action="record.account_relinked",
                obj=record,
                before={"account": record.account_id},
                after={"account": new_id},
            )
            record.account_id = new_id
            record.save(update_fields=["account", "updated_at"])
            changed += 1
    return changed


def find_record_for_photo(photo: Photo) -> StudentRecord | None:
    """The one record a photo belongs to by the exact rules, or None (DOMAIN BR-D8)."""
    if photo.collection_code:  # the student's own code, of the school the photo was collected for
        by_code = StudentRecord.objects.filter(
            collection_uid=photo.collection_code, school_id=photo.school_id
        ).first()
        if by_code is not None:
            return by_code
    # iexact: a passport holder's Latin name in another case is the same name (CJK names have no case).
    candidates = StudentRecord.objects.filter(
        school_id=photo.school_id, name__iexact=photo.name_collected, id_number=photo.id_number_collected
    )
    return one_candidate(list(candidates.only("pk", "status")[:3]))


def one_candidate(records: list[StudentRecord]) -> StudentRecord | None:
    """The record of an exact identity, when it is one. Two records with one identity in one school (专科
    then 专升本): a graduated one takes no new photo (DOMAIN BR-D4, BR-F4), so the other is the one;
    two that could both take it cannot be told apart exactly."""
    if len(records) > 1:
        records = [r for r in records if r.status != RecordStatus.GRADUATED]
    return records[0] if len(records) == 1 else None


@transaction.atomic
def photo_link(*, photo: Photo, actor: Any = None) -> str:
    """Link an unlinked photo exactly; a second photo for a linked record is kept as a duplicate.

    A photo deleted meanwhile (`gradphoto expire-photos`) is left alone and answered "unlinked"."""
    current = Photo.objects.select_for_update().filter(pk=photo.pk).first()
    if current is None:
        return str(LinkState.UNLINKED)
    photo = current
    if photo.link_state != LinkState.UNLINKED:
        return str(photo.link_state)
    record = find_record_for_photo(photo)
    if record is None:
        return str(LinkState.UNLINKED)
    # Lock the record so two batches linking to it at once cannot both become its current photo.
    StudentRecord.objects.select_for_update().filter(pk=record.pk).first()
    has_current = Photo.objects.filter(record=record, link_state=LinkState.LINKED).exists()
    photo.record = record
    photo.link_state = LinkState.DUPLICATE if has_current else LinkState.LINKED
    photo.link_method = (
        LinkMethod.COLLECTION_CODE
        if photo.collection_code == record.collection_uid and photo.collection_code
        else LinkMethod.IDENTITY
    )
    photo.linked_at = clock.now()
    photo.save(update_fields=["record", "link_state", "link_method", "linked_at"])
    audit_record(
        actor=actor,
        action=f"photo.{photo.link_state}",
        obj=photo,
        before={"link_state": LinkState.UNLINKED},
        after={"record": record.pk, "link_state": photo.link_state},
    )
    return str(photo.link_state)


def _records_by_rule(photos: list[Photo]) -> list[StudentRecord | None]:
    """find_record_for_photo for many photos in two queries (the same rule: names compared without case)."""
    records = StudentRecord.objects.only(
        "school_id", "name", "id_number", "collection_uid", "status"
    ).order_by()
    codes = {p.collection_code for p in photos if p.collection_code}
    by_code = {(r.collection_uid, r.school_id): r for r in records.filter(collection_uid__in=codes)}
    identities: dict[tuple[int, str, str], list[StudentRecord]] = defaultdict(list)
    candidates = records.filter(
        school_id__in={p.school_id for p in photos},
        id_number__in={p.id_number_collected for p in photos},
    )
    for record in candidates:
        identities[(record.school_id, record.name.upper(), record.id_number)].append(record)
    found: list[StudentRecord | None] = []
    for photo in photos:
        same = identities.get((photo.school_id, photo.name_collected.upper(), photo.id_number_collected), [])
        found.append(by_code.get((photo.collection_code, photo.school_id)) or one_candidate(same))
    return found


def photos_link_new(*, photos: list[Photo], now: dt.datetime) -> None:
    """Set the link of new, unsaved photos exactly as photo_link would, saving them one by one in order.

    Must run inside the transaction that saves the photos: the records are locked (select_for_update, as
    photo_link does) and a record already holding a linked photo, or taken by an earlier photo of the
    list, makes the photo a duplicate. The caller writes the photo.linked / photo.duplicate audit rows.
    """
    records = _records_by_rule(photos)
    ids = sorted({r.pk for r in records if r is not None})
    list(StudentRecord.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    linked = Photo.objects.filter(record_id__in=ids, link_state=LinkState.LINKED)
    taken = set(linked.values_list("record_id", flat=True))
    for photo, record in zip(photos, records, strict=True):
        if record is None:
            continue
        photo.record = record
        photo.link_state = LinkState.DUPLICATE if record.pk in taken else LinkState.LINKED
        taken.add(record.pk)
        photo.link_method = (
            LinkMethod.COLLECTION_CODE
            if photo.collection_code == record.collection_uid and photo.collection_code
            else LinkMethod.IDENTITY
        )
        photo.linked_at = now


def photos_link_pending(*, school_ids: Iterable[int] | None = None, actor: Any = None) -> dict[str, int]:
    """Try every unlinked photo (of some schools) again, e.g. after a 学籍 import."""
    query = Photo.objects.filter(link_state=LinkState.UNLINKED)
    if school_ids is not None:
        query = query.filter(Q(school_id__in=list(school_ids)))
    counts: dict[str, int] = {}
    for photo in query.iterator():
        state = photo_link(photo=photo, actor=actor)
        counts[state] = counts.get(state, 0) + 1
    return counts
