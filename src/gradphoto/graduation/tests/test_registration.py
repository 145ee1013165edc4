"""Registration: certificate numbers (DOMAIN.md §10.1), idempotence, the frozen photo, the GRADUATED state."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from gradphoto.audit.models import AuditEvent
from gradphoto.common.testing import make_photo, tiny_jpeg
from gradphoto.graduation.freeze import _copy
from gradphoto.graduation.models import CertificateCounter, DiplomaRecord
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import RecordStatus

from .support import PRESIDENT, graduate, register, set_president

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def president(personas):
    set_president(personas.school)


def test_the_certificate_number_has_the_18_digits_of_the_national_scheme(personas):
    record, _, _ = graduate(personas, level="本科")
    register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    assert diploma.certificate_no == "100011202605000001"  # 10001 · 1 · 2026 · 05 · 000001
    assert re.fullmatch(r"^(\d{5})([15678])(\d{4})(0[12456])(\d{6})$", diploma.certificate_no)
    assert diploma.president_name == PRESIDENT and diploma.education_category == "普通高等教育"


@pytest.mark.parametrize(
    ("level", "code"),
    [
        ("博士研究生", "01"),
        ("硕士研究生", "02"),
        ("第二学士学位", "04"),
        ("专升本", "05"),
        ("高起本", "05"),
        ("高起专", "06"),
        ("专科", "06"),
    ],
)
def test_levels_map_to_their_codes(personas, level, code):
    record, _, _ = graduate(personas, level=level)
    register(personas.alice, [record])
    assert DiplomaRecord.objects.get(record=record).certificate_no[10:12] == code


def test_serials_count_up_per_school_type_year_and_level(personas):
    records = [graduate(personas)[0] for _ in range(3)]
    online = graduate(personas)[0]
    earlier = graduate(personas, expected_graduation_on=dt.date(2025, 1, 15))[0]
    register(personas.alice, records)
    register(personas.alice, [online], school_type="7")
    register(personas.alice, [earlier])
    numbers = sorted(DiplomaRecord.objects.values_list("certificate_no", flat=True))
    assert numbers == [
        "100011202505000001",
        "100011202605000001",
        "100011202605000002",
        "100011202605000003",
        "100017202605000001",
    ]
    assert DiplomaRecord.objects.get(record=online).education_category == "网络教育"
    assert CertificateCounter.objects.count() == 3


def test_registering_twice_does_nothing(personas):
    record, _, _ = graduate(personas)
    first = register(personas.alice, [record])
    events = AuditEvent.objects.count()
    second = register(personas.alice, [record])
    assert (first.registered, second.registered, second.unchanged) == (1, 0, 1)
    assert second.unchanged_student_nos == [record.student_no]
    assert DiplomaRecord.objects.count() == 1 and AuditEvent.objects.count() == events
    assert CertificateCounter.objects.get().last_serial == 1  # no serial consumed by the second call


def test_the_record_becomes_graduated_with_an_audited_before_and_after(personas):
    record, _, _ = graduate(personas)
    register(personas.alice, [record])
    record.refresh_from_db()
    assert record.status == RecordStatus.GRADUATED and record.status_label == "已毕业"
    event = AuditEvent.objects.get(action="record.graduated", object_id=str(record.pk))
    assert event.before == {"status": "registered", "status_label": ""}
    assert event.after["status"] == "graduated" and event.after["status_label"] == "已毕业"
    assert event.after["certificate_no"] == record.diploma.certificate_no
    assert event.actor == personas.alice and event.actor_role == "university_staff"


def test_a_photo_whose_file_is_gone_is_refused_and_the_others_register(personas):
    first, _, _ = graduate(personas)
    lost, lost_photo, _ = graduate(personas)
    last, _, _ = graduate(personas)
    default_storage.delete(lost_photo.file)
    batch = register(personas.alice, [first, lost, last])
    assert batch.registered == 2 and batch.refusals[0]["codes"] == ["photo_unreadable"]
    lost.refresh_from_db()
    assert lost.status == RecordStatus.REGISTERED
    serials = sorted(int(n[-6:]) for n in DiplomaRecord.objects.values_list("certificate_no", flat=True))
    assert serials == [1, 2]  # the rolled-back attempt consumed nothing


def test_the_verification_buttons_disappear_after_registration(client, personas):
    record, _, student = graduate(personas, verdict=None)
    client.force_login(student)
    assert 'name="verdict"' in client.get(reverse("verification:records")).content.decode()
    register(personas.alice, [record], override_reason="学校核对")
    html = client.get(reverse("verification:records")).content.decode()
    assert 'data-case="graduated"' in html and 'name="verdict"' not in html


def test_the_frozen_photo_survives_a_later_photo_change(personas):
    record, photo, _ = graduate(personas)
    register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    assert diploma.photo_file.startswith("diplomas/") and diploma.photo_file != photo.file
    assert diploma.photo_sha256 == photo.sha256
    # Later: the record's photo is replaced (as an approved Form B would) and the old file removed.
    Photo.objects.filter(pk=photo.pk).update(link_state=LinkState.DUPLICATE)
    replacement = make_photo(record, personas.agency, data=tiny_jpeg())
    default_storage.delete(photo.file)
    assert replacement.link_state == LinkState.LINKED and replacement.sha256 != photo.sha256
    diploma.refresh_from_db()
    with default_storage.open(diploma.photo_file, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == photo.sha256 == diploma.photo_sha256


def test_a_chunk_that_fails_consumes_no_serial(personas, monkeypatch):
    records = [graduate(personas)[0] for _ in range(2)]
    from gradphoto.graduation import registration

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(registration, "_audit", broken)
    with pytest.raises(RuntimeError):
        register(personas.alice, records)
    assert not DiplomaRecord.objects.exists() and CertificateCounter.objects.count() == 0
    monkeypatch.undo()
    register(personas.alice, records)
    assert sorted(DiplomaRecord.objects.values_list("certificate_no", flat=True))[0].endswith("000001")


def test_chunks_register_many_with_few_queries(personas, settings, django_assert_max_num_queries):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "REGISTRATION_CHUNK": 3}
    records = [graduate(personas)[0] for _ in range(7)]
    with django_assert_max_num_queries(80):
        batch = register(personas.alice, records)
    assert batch.registered == 7
    serials = sorted(int(n[-6:]) for n in DiplomaRecord.objects.values_list("certificate_no", flat=True))
    assert serials == list(range(1, 8))


def test_other_schools_records_are_ignored(personas):
    set_president(personas.other_school)
    mine, _, _ = graduate(personas)
    theirs, _, _ = graduate(personas, school=personas.other_school)
    batch = register(personas.alice, [mine, theirs], school=personas.school)
    assert batch.registered == 1 and not DiplomaRecord.objects.filter(record=theirs).exists()


def test_other_storages_freeze_through_the_storage_api(personas, monkeypatch):
    from gradphoto.graduation import freeze

    class NotTheFileSystem:
        pass

    monkeypatch.setattr(freeze, "FileSystemStorage", NotTheFileSystem)  # as with S3: no direct writes
    record, photo, _ = graduate(personas)
    register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    with default_storage.open(diploma.photo_file, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == photo.sha256


def test_a_frozen_copy_is_written_once_and_left_alone(personas):
    record, photo, _ = graduate(personas)
    register(personas.alice, [record])
    path = default_storage.path(DiplomaRecord.objects.get(record=record).photo_file)
    before = os.stat(path)
    assert _copy(photo.pk, photo.file, photo.sha256) is None
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns and oct(before.st_mode)[-3:] == "644"
    assert not [n for n in os.listdir(os.path.dirname(path)) if n.endswith(".tmp")]
