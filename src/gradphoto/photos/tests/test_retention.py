"""`gradphoto expire-photos`: unlinked photos nobody names go after the retention period (REQ-FP-08)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from gradphoto.audit.models import AuditEvent
from gradphoto.common import clock
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.corrections.models import Application, FormType
from gradphoto.linking.models import LinkSuggestion, PhotoClaim, PhotoSearch, SearchCandidate
from gradphoto.photos.models import LinkState, Photo
from gradphoto.photos.retention import _delete, photos_expire
from gradphoto.verification.models import Conclusion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_storage")]
YEAR = dt.timedelta(days=365)


def expire(*options: str) -> dict[str, int]:
    out = io.StringIO()
    call_command("expire_photos", "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def unlinked(personas, name: str, *, age: dt.timedelta = YEAR + dt.timedelta(days=1), seed: int = 0) -> Photo:
    """A photo of nobody in the register (its name matches no record), uploaded ``age`` ago."""
    record = make_record(personas.school)
    photo = make_photo(record, personas.agency, name=name, data=f"photo {name} {seed}".encode())
    assert photo.link_state == LinkState.UNLINKED
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=clock.now() - age)
    return Photo.objects.get(pk=photo.pk)


def test_only_old_unlinked_photos_nobody_names_expire(personas):
    old = unlinked(personas, "王小二")
    fresh = unlinked(personas, "王小三", age=dt.timedelta(days=300))
    linked = make_photo(make_record(personas.school), personas.agency)
    Photo.objects.filter(pk=linked.pk).update(uploaded_at=clock.now() - 2 * YEAR)
    LinkSuggestion.objects.create(
        photo=old,
        record=make_record(personas.school),
        school=personas.school,
        score=9.0,
        created_at=clock.now(),
    )
    dry = expire("--dry-run")
    assert dry == {"older_than_days": 365, "expired": 1, "kept_referenced": 0}
    assert Photo.objects.filter(pk=old.pk).exists()
    assert expire() == {"older_than_days": 365, "expired": 1, "kept_referenced": 0}
    assert set(Photo.objects.values_list("pk", flat=True)) == {fresh.pk, linked.pk}
    assert not LinkSuggestion.objects.exists()
    event = AuditEvent.objects.get(action="photo.expired")
    assert (event.object_id, event.actor_role) == (str(old.pk), "system")
    assert event.before["collection_no"] == old.collection_no and event.before["sha256"] == old.sha256
    assert "王小二" not in json.dumps(event.before, ensure_ascii=False)
    assert old.id_number_collected not in json.dumps(event.before)
    assert expire()["expired"] == 0  # nothing left to do: a second run changes nothing
    assert expire("--older-than-days", "200")["expired"] == 1  # the 300-day-old one, on a shorter period


def test_the_file_goes_with_the_next_sweep(personas):
    old = unlinked(personas, "王小二")
    os.utime(default_storage.path(old.file), (time.time() - 3 * 24 * 3600,) * 2)
    assert expire()["expired"] == 1
    assert default_storage.exists(old.file)  # another row could share the bytes: sweep-files decides
    out = io.StringIO()
    call_command("sweep_files", "--json", stdout=out)
    assert json.loads(out.getvalue())["deleted"] >= 1 and not default_storage.exists(old.file)


def test_claimed_applied_for_and_concluded_photos_are_kept(personas):
    claimed, applied, concluded = (
        unlinked(personas, n, seed=i) for i, n in enumerate(["甲一", "乙二", "丙三"])
    )
    record = make_record(personas.school, learning_centre=personas.centre)
    student = make_student(record)
    now = clock.now()
    search = PhotoSearch.objects.create(student=student, record=record, created_at=now)
    SearchCandidate.objects.create(search=search, rank=1, photo=claimed, score=20.0)
    claim = {"student": student, "record": record, "school": personas.school}
    PhotoClaim.objects.create(photo=claimed, state="cancelled", created_at=now, effective_at=now, **claim)
    application = {"record": record, "school": personas.school, "centre": personas.centre}
    Application.objects.create(
        form_type=FormType.FIX_IDENTITY, photo=applied, created_at=now, updated_at=now, **application
    )
    Conclusion.objects.create(
        record=record, photo=concluded, verdict="correct", first_at=now, window_ends_at=now, updated_at=now
    )
    assert expire("--dry-run") == {"older_than_days": 365, "expired": 0, "kept_referenced": 3}
    counts = expire()
    assert counts == {"older_than_days": 365, "expired": 0, "kept_referenced": 3}
    assert Photo.objects.count() == 3 and SearchCandidate.objects.count() == 1


def test_a_photo_linked_meanwhile_is_not_deleted(personas):
    old = unlinked(personas, "王小二")
    record = make_record(personas.school)
    Photo.objects.filter(pk=old.pk).update(record=record, link_state=LinkState.LINKED)
    assert _delete([old.pk], clock.now() - YEAR, clock.now()) == 0
    assert Photo.objects.filter(pk=old.pk).exists() and not AuditEvent.objects.filter(action="photo.expired")


def test_the_period_is_a_whole_number_of_days(personas, settings):
    for wrong in ("0", "-3", "abc", "1000000"):
        with pytest.raises(CommandError, match="1 to 36500"):
            expire("--older-than-days", wrong)
    assert photos_expire(dry_run=True)["older_than_days"] == 365
    today = unlinked(personas, "王小二", age=dt.timedelta(0))
    settings.GRADPHOTO = {**settings.GRADPHOTO, "UNLINKED_PHOTO_RETENTION_DAYS": 0}
    with pytest.raises(CommandError) as refused:
        expire()
    assert refused.value.returncode == 2 and Photo.objects.filter(pk=today.pk).exists()


def test_a_linkage_run_deciding_while_photos_expire_stores_the_rest(personas):
    """expire-photos commits between a run's decisions and its suggestions: the run goes on without them."""
    from gradphoto.linking.engine import runner
    from gradphoto.linking.engine.keys import keys_refresh
    from gradphoto.linking.tests.test_engine import an_id, substituted

    record = make_record(personas.school, name="王小三", id_number=an_id(7))
    typo = {"name": "王小二", "id_number": substituted(record.id_number)}
    photo = make_photo(record, personas.agency, **typo)
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=clock.now() - 2 * YEAR)
    keys_refresh()
    decisions = runner.decide_all()
    assert [d.decision for d in decisions] == ["suggested"]
    assert photos_expire()["expired"] == 1
    assert runner._store_suggestions(decisions, None) == 0 and not LinkSuggestion.objects.exists()


def test_a_record_import_relinking_while_photos_expire_goes_on(personas, monkeypatch):
    from gradphoto.linking import services

    old = unlinked(personas, "王小二")
    real = services.photo_link

    def racing(*, photo, actor=None):
        photos_expire()  # commits between the loop's read and the row lock
        return real(photo=photo, actor=actor)

    monkeypatch.setattr(services, "photo_link", racing)
    assert services.photos_link_pending(school_ids=[personas.school.pk]) == {"unlinked": 1}
    assert not Photo.objects.filter(pk=old.pk).exists()


def test_the_same_bytes_uploaded_again_keep_their_file_through_a_sweep(personas, monkeypatch):
    """An expired photo's file is a year old and unnamed; the same photo uploaded again must not lose it
    to a sweep running between storing the bytes and writing the row that names them."""
    from gradphoto.photos import services as photo_services
    from gradphoto.photos.sweep import files_sweep

    old = unlinked(personas, "王小二")
    os.utime(default_storage.path(old.file), (time.time() - 400 * 24 * 3600,) * 2)
    assert expire()["expired"] == 1
    real = photo_services._create_stored

    def racing(item, actor, batch):
        files_sweep()  # the daily sweep-files runs now
        return real(item, actor, batch)

    monkeypatch.setattr(photo_services, "_create_stored", racing)
    again = make_photo(
        make_record(personas.school), personas.agency, name="王小二", data="photo 王小二 0".encode()
    )
    assert again.file == old.file and default_storage.exists(again.file)
