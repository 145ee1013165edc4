"""Exact linking (DOMAIN.md §15.3): account ↔ records, photo ↔ record, duplicates kept apart."""

from __future__ import annotations

import pytest

from gradphoto.accounts.models import AccountState
from gradphoto.audit.models import AuditEvent
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.linking.services import account_link_records, photos_link_pending, records_link_accounts
from gradphoto.photos.models import LinkState
from gradphoto.records.models import RecordStatus

pytestmark = pytest.mark.django_db


def test_a_photo_links_on_school_name_and_id_number(personas):
    record = make_record(personas.school)
    photo = make_photo(record, personas.agency, id_number=record.id_number.lower())
    assert (photo.link_state, photo.record, photo.link_method) == (LinkState.LINKED, record, "identity")
    assert AuditEvent.objects.filter(action="photo.linked", object_id=str(photo.pk)).exists()


@pytest.mark.parametrize("field", ["name", "id_number", "school"])
def test_any_difference_leaves_the_photo_unlinked(personas, field):
    record = make_record(personas.school)
    other_last = "1" if record.id_number[-1] != "1" else "2"
    wrong = {
        "name": record.name + "华",
        "id_number": record.id_number[:-1] + other_last,
        "school": personas.other_school,
    }[field]
    photo = make_photo(record, personas.agency, **{field: wrong})
    assert photo.link_state == LinkState.UNLINKED and photo.record is None


def test_a_collection_code_links_even_with_a_mistyped_identity(personas):
    record = make_record(personas.school, collection_uid="a1b2c3d4")
    photo = make_photo(record, personas.agency, name="别人", collection_code="a1b2c3d4")
    assert (photo.record, photo.link_method) == (record, "collection_code")


def test_a_collection_code_links_only_within_the_school_the_photo_was_collected_for(personas):
    record = make_record(personas.other_school, collection_uid="e5f6a7b8")
    stranger = make_record(personas.school)  # the row's identity is another student's, at another school
    photo = make_photo(stranger, personas.agency, name="王芳", collection_code="e5f6a7b8")
    assert photo.record != record and not record.photos.exists()


def test_a_second_collection_is_kept_as_a_duplicate_and_never_replaces_the_photo(personas):
    record = make_record(personas.school)
    first = make_photo(record, personas.agency)
    second = make_photo(record, personas.other_agency)
    assert first.link_state == LinkState.LINKED
    assert (second.link_state, second.record) == (LinkState.DUPLICATE, record)
    assert record.photos.filter(link_state=LinkState.LINKED).get() == first


def test_two_records_with_one_identity_in_one_school_link_nothing(personas):
    record = make_record(personas.school, level="专科")
    make_record(personas.school, level="本科", name=record.name, id_number=record.id_number)
    assert make_photo(record, personas.agency).link_state == LinkState.UNLINKED


def test_a_graduated_record_with_the_same_identity_leaves_the_photo_to_the_new_one(personas):
    old = make_record(personas.school, level="专科", status=RecordStatus.GRADUATED)
    new = make_record(personas.school, level="本科", name=old.name, id_number=old.id_number)  # 专升本
    photo = make_photo(new, personas.agency)
    assert (photo.record, photo.link_state) == (new, LinkState.LINKED)


def test_the_same_collection_number_twice_is_one_photo(personas):
    record = make_record(personas.school)
    first = make_photo(record, personas.agency, collection_no="CJ1")
    again = make_photo(record, personas.agency, collection_no="CJ1")
    assert first.pk == again.pk


def test_unlinked_photos_link_once_the_record_arrives(personas):
    record = make_record(personas.school)
    identity = {"name": record.name, "id_number": record.id_number}
    record.delete()
    photo = make_photo(make_record(personas.school), personas.agency, **identity)
    assert photo.link_state == LinkState.UNLINKED
    late = make_record(personas.school, **identity)
    assert photos_link_pending(school_ids=[personas.school.pk]) == {"linked": 1}
    photo.refresh_from_db()
    assert photo.record == late


def test_an_account_links_only_on_exact_name_and_id(personas):
    record = make_record(personas.school, name="张伟")
    assert make_student(None, real_name="张玮", id_number=record.id_number).records.count() == 0
    other = make_record(personas.school)
    student = make_student(None, real_name=other.name, id_number=other.id_number)
    assert list(student.records.all()) == [other]


def test_records_relink_when_their_identity_changes(personas):
    record = make_record(personas.school)
    make_student(record)
    record.refresh_from_db()
    assert record.account is not None
    record.name = record.name + "华"
    record.save()
    record.account = None  # what the stale object thinks; the database still says linked
    assert records_link_accounts(records=[record]) == 1
    record.refresh_from_db()
    assert record.account is None


def test_a_deregistered_account_loses_its_records(personas):
    record = make_record(personas.school)
    student = make_student(record)
    student.account_state = AccountState.DEREGISTERED
    student.save()
    account_link_records(user=student)
    record.refresh_from_db()
    assert record.account is None


def test_a_passport_holders_latin_name_links_in_any_case(personas):
    record = make_record(personas.school, name="JOHN SMITH", id_type="护照", id_number="E12345678")
    photo = make_photo(record, personas.agency, name="John Smith")
    assert (photo.link_state, photo.record_id) == ("linked", record.pk)
