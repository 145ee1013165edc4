"""The registration gate (DOMAIN.md §15.5, §6.7): each failing condition, the override, the re-check."""

from __future__ import annotations

import pytest

from gradphoto.common.errors import DomainError
from gradphoto.graduation.models import DiplomaRecord, FaceBasis, VerdictBasis
from gradphoto.graduation.services import recheck_file
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import RecordStatus

from .support import graduate, register, set_president, with_admission_photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def president(personas):
    set_president(personas.school)


def refused_codes(batch) -> list[str]:
    assert batch.registered == 0 and batch.refused == 1
    return batch.refusals[0]["codes"]


def test_it_registers_a_graduate_who_passes_every_condition(personas):
    record, photo, _ = graduate(personas)
    batch = register(personas.alice, [record])
    assert (batch.registered, batch.refused) == (1, 0)
    diploma = DiplomaRecord.objects.get(record=record)
    assert diploma.verdict_basis == VerdictBasis.CORRECT and diploma.source_photo == photo
    assert diploma.face_basis == FaceBasis.NOT_APPLICABLE  # no admission photo: recorded as such


def test_it_refuses_a_record_that_is_not_registered(personas):
    record, _, _ = graduate(personas)
    record.status, record.status_label = RecordStatus.SUSPENDED, "休学"
    record.save()
    batch = register(personas.alice, [record])
    assert refused_codes(batch) == ["not_registered"]
    assert "休学" in batch.refusals[0]["messages"][0]


def test_it_refuses_a_record_without_a_linked_photo(personas):
    record, photo, _ = graduate(personas)
    Photo.objects.filter(pk=photo.pk).update(link_state=LinkState.UNLINKED, record=None)
    assert refused_codes(register(personas.alice, [record])) == ["no_photo"]


def test_it_refuses_a_photo_the_student_has_not_verified(personas):
    record, _, _ = graduate(personas, verdict=None)
    batch = register(personas.alice, [record])
    assert refused_codes(batch) == ["no_verdict"]
    assert "照片正确" in batch.refusals[0]["messages"][0]


def test_it_refuses_a_photo_the_student_called_wrong_even_with_an_override(personas):
    record, _, _ = graduate(personas, verdict="wrong")
    assert refused_codes(register(personas.alice, [record])) == ["verdict_wrong"]
    assert refused_codes(register(personas.alice, [record], override_reason="学校已核对")) == [
        "verdict_wrong"
    ]


def test_a_documented_school_override_registers_an_unverified_photo(personas):
    record, _, _ = graduate(personas, verdict=None)
    batch = register(personas.alice, [record], override_reason="学生已离校，学院现场核对照片无误")
    assert batch.registered == 1
    diploma = DiplomaRecord.objects.get(record=record)
    assert diploma.verdict_basis == VerdictBasis.OVERRIDE
    assert diploma.override_reason == "学生已离校，学院现场核对照片无误"


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ("failed", "face_failed"),
        ("uncertain", "face_uncertain"),
        ("no_face", "face_no_face"),
        (None, "face_not_checked"),
    ],
)
def test_it_refuses_a_face_comparison_that_did_not_pass(personas, result, code):
    record, photo, _ = graduate(personas)
    with_admission_photo(record, photo, result)
    assert refused_codes(register(personas.alice, [record])) == [code]


def test_a_passed_face_comparison_is_recorded_with_the_diploma(personas):
    record, photo, _ = graduate(personas)
    check = with_admission_photo(record, photo, "passed")
    register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    assert diploma.face_basis == FaceBasis.PASSED and diploma.face_check == check


@pytest.mark.parametrize("result", ["failed", "uncertain"])
def test_a_filed_recheck_lets_a_blocked_graduate_register(personas, result):
    record, photo, _ = graduate(personas)
    with_admission_photo(record, photo, result)
    recheck = recheck_file(staff=personas.alice, record_id=record.pk, reason="本人持身份证到校核验，确认无误")
    batch = register(personas.alice, [record])
    assert batch.registered == 1
    diploma = DiplomaRecord.objects.get(record=record)
    assert diploma.face_basis == FaceBasis.RECHECK_FILED and diploma.face_recheck == recheck
    assert recheck.filed_by == personas.alice and recheck.filed_at is not None


def test_a_recheck_is_refused_when_the_comparison_passed_or_there_is_none(personas):
    record, photo, _ = graduate(personas)
    with pytest.raises(DomainError) as error:
        recheck_file(staff=personas.alice, record_id=record.pk, reason="x")
    assert error.value.code == "recheck_not_needed"
    with_admission_photo(record, photo, "passed")
    with pytest.raises(DomainError):
        recheck_file(staff=personas.alice, record_id=record.pk, reason="x")


def test_a_recheck_covers_only_the_photo_it_was_filed_for(personas):
    record, photo, _ = graduate(personas)
    with_admission_photo(record, photo, "failed")
    recheck_file(staff=personas.alice, record_id=record.pk, reason="核验无误")
    Photo.objects.filter(pk=photo.pk).update(link_state=LinkState.DUPLICATE)
    from gradphoto.common.testing import make_photo

    new = make_photo(record, personas.agency)
    assert new.link_state == LinkState.LINKED
    # The new photo has no live verdict and no comparison: both gates fail again.
    assert set(refused_codes(register(personas.alice, [record]))) == {"no_verdict", "face_not_checked"}


def test_it_refuses_incomplete_diploma_data(personas):
    record, _, _ = graduate(personas, expected_graduation_on=None, level="研究生班")
    codes = refused_codes(register(personas.alice, [record]))
    assert codes == ["level_unknown", "missing_graduation_date"]


def test_it_refuses_every_graduate_while_the_president_is_missing(personas):
    set_president(personas.school, name="")
    record, _, _ = graduate(personas)
    assert refused_codes(register(personas.alice, [record])) == ["missing_president"]


def test_it_refuses_a_graduation_date_before_enrolment(personas):
    record, _, _ = graduate(personas)
    import datetime as dt

    batch = register(personas.alice, [record], graduated_on=dt.date(2020, 7, 1))
    assert refused_codes(batch) == ["bad_graduation_date"]


def test_it_lists_every_reason_not_only_the_first(personas):
    record, photo, _ = graduate(personas, verdict=None, expected_graduation_on=None)
    with_admission_photo(record, photo, "failed")
    codes = refused_codes(register(personas.alice, [record]))
    assert codes == ["no_verdict", "face_failed", "missing_graduation_date"]
