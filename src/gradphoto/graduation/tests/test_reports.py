"""Online verification reports (DOMAIN.md §6.6, BR-H2/H3): codes, validity, extension, revocation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from gradphoto.common import clock
from gradphoto.common.errors import DomainError, NotAllowed, NotFound
from gradphoto.graduation.models import DiplomaRecord, ReportExtension, ReportState
from gradphoto.graduation.public import lookup_code
from gradphoto.graduation.reports import report_create, report_extend, report_revoke

from .support import graduate, register, set_president

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 9, 1, 10, tzinfo=clock.SHANGHAI)


@pytest.fixture
def diploma(personas):
    set_president(personas.school)
    record, _, student = graduate(personas)
    register(personas.alice, [record])
    return DiplomaRecord.objects.get(record=record), student


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def test_the_code_is_16_random_characters_of_a_z_and_0_9(diploma):
    found, student = diploma
    codes = [report_create(student=student, diploma_id=found.pk, validity_days=30).code for _ in range(12)]
    assert all(re.fullmatch(r"[A-Z0-9]{16}", c) for c in codes)
    assert len(set(codes)) == 12 and codes != sorted(
        codes
    )  # neither repeated nor sequential (1 in 12! by chance)


def test_only_the_offered_validities_are_accepted(diploma):
    found, student = diploma
    with pytest.raises(DomainError) as error:
        report_create(student=student, diploma_id=found.pk, validity_days=365)
    assert error.value.code == "bad_validity"
    assert report_create(student=student, diploma_id=found.pk, validity_days=180).validity_days == 180


def test_a_report_is_applied_for_only_from_the_issue_date(personas):
    set_president(personas.school)
    record, _, student = graduate(personas, expected_graduation_on=dt.date(2026, 12, 20))
    with travel(dt.datetime(2026, 11, 1, 9, tzinfo=clock.SHANGHAI)):
        register(personas.alice, [record])
        with pytest.raises(NotAllowed) as error:
            report_create(student=student, diploma_id=record.diploma.pk, validity_days=30)
    assert error.value.code == "not_published"
    with travel(dt.datetime(2026, 12, 20, 9, tzinfo=clock.SHANGHAI)):
        assert report_create(student=student, diploma_id=record.diploma.pk, validity_days=30)


def test_only_the_graduate_applies_for_their_reports(diploma, personas):
    found, _ = diploma
    _, _, other_student = graduate(personas)
    with pytest.raises(NotFound):
        report_create(student=other_student, diploma_id=found.pk, validity_days=30)


def test_an_expired_code_does_not_verify(diploma):
    found, student = diploma
    with travel(T0):
        report = report_create(student=student, diploma_id=found.pk, validity_days=30)
        assert lookup_code(ip="10.0.0.1", raw_code=report.code) == report
    with travel(T0 + dt.timedelta(days=30)):
        assert report.state_at(clock.now()) == ReportState.EXPIRED
        assert lookup_code(ip="10.0.0.1", raw_code=report.code) is None


def test_a_revoked_code_does_not_verify_and_cannot_be_extended(diploma):
    found, student = diploma
    report = report_create(student=student, diploma_id=found.pk, validity_days=30)
    report_revoke(student=student, report_id=report.pk)
    report_revoke(student=student, report_id=report.pk)  # twice: nothing more happens
    assert lookup_code(ip="10.0.0.1", raw_code=report.code) is None
    with pytest.raises(NotAllowed) as error:
        report_extend(student=student, report_id=report.pk, validity_days=30)
    assert error.value.code == "revoked"


def test_a_report_is_not_extended_earlier_than_one_month_before_expiry(diploma):
    found, student = diploma
    with travel(T0):
        report = report_create(student=student, diploma_id=found.pk, validity_days=90)
    with travel(T0 + dt.timedelta(days=59, hours=23)), pytest.raises(NotAllowed) as error:
        report_extend(student=student, report_id=report.pk, validity_days=30)
    assert error.value.code == "extend_too_early"


def test_a_report_is_extended_within_the_last_month(diploma):
    found, student = diploma
    with travel(T0):
        report = report_create(student=student, diploma_id=found.pk, validity_days=90)
    with travel(T0 + dt.timedelta(days=60)):
        extended = report_extend(student=student, report_id=report.pk, validity_days=60)
    assert extended.valid_until == T0 + dt.timedelta(days=120)
    extension = ReportExtension.objects.get()
    assert extension.previous_until == T0 + dt.timedelta(days=90) and extension.days == 60


def test_an_expired_report_is_extended_and_verifies_again(diploma):
    found, student = diploma
    with travel(T0):
        report = report_create(student=student, diploma_id=found.pk, validity_days=30)
    later = T0 + dt.timedelta(days=200)
    with travel(later):
        assert lookup_code(ip="10.0.0.1", raw_code=report.code) is None
        report_extend(student=student, report_id=report.pk, validity_days=30)
        assert lookup_code(ip="10.0.0.1", raw_code=report.code.lower()) == report  # case-insensitive
    report.refresh_from_db()
    assert report.valid_until == later + dt.timedelta(days=30)


def test_the_graduate_sees_the_code_again_on_xueli(client, diploma):
    found, student = diploma
    report = report_create(student=student, diploma_id=found.pk, validity_days=60)
    client.force_login(student)
    html = client.get(reverse("verification:diploma")).content.decode()
    assert f'data-code="{report.code}"' in html
    assert found.certificate_no in html and reverse("graduation:diploma_photo", args=[found.pk]) in html
    assert found.id_number not in html


def test_the_report_pages_create_extend_and_revoke(client, diploma):
    found, student = diploma
    client.force_login(student)
    with travel(T0):
        response = client.post(reverse("graduation:report_create", args=[found.pk]), {"validity_days": "30"})
        report = found.reports.get()
        assert response["Location"].endswith(f"#report-{report.pk}")
    with travel(T0 + dt.timedelta(days=10)):
        client.post(reverse("graduation:report_extend", args=[report.pk]), {"validity_days": "60"})
        report.refresh_from_db()
        assert report.valid_until == T0 + dt.timedelta(days=70)
        client.post(reverse("graduation:report_revoke", args=[report.pk]))
        report.refresh_from_db()
        assert report.revoked_at is not None
