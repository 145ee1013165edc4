"""Who may do what: other roles get 403 on pages, other schools and students 404 on objects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.graduation.models import DiplomaRecord
from gradphoto.graduation.reports import report_create

from .support import graduate, register, set_president

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(personas):
    set_president(personas.school)
    record, _, student = graduate(personas)
    batch = register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    report = report_create(student=student, diploma_id=diploma.pk, validity_days=30)
    return record, student, batch, diploma, report


def staff_pages(record, batch, diploma) -> list[tuple[str, str]]:
    return [
        ("get", reverse("graduation:candidates")),
        ("post", reverse("graduation:register")),
        ("post", reverse("graduation:upload")),
        ("get", reverse("graduation:batch", args=[batch.pk])),
        ("get", reverse("graduation:diplomas")),
        ("get", reverse("graduation:diploma", args=[diploma.pk])),
        ("get", reverse("graduation:recheck", args=[record.pk])),
        ("get", reverse("graduation:settings")),
    ]


def test_other_roles_get_403_on_the_staff_pages(client, personas, registered):
    record, student, batch, diploma, _ = registered
    for user in (personas.carol, personas.dave, personas.erin, personas.frank, student):
        client.force_login(user)
        for method, url in staff_pages(record, batch, diploma):
            assert getattr(client, method)(url).status_code == 403, (user.username, url)


def test_visitors_are_sent_to_the_login_page(client, registered):
    record, _, batch, diploma, _ = registered
    for method, url in staff_pages(record, batch, diploma):
        assert getattr(client, method)(url).status_code == 302


def test_another_schools_staff_get_404_for_our_objects(client, personas, registered):
    record, _, batch, diploma, _ = registered
    client.force_login(personas.bob)
    for url in (
        reverse("graduation:batch", args=[batch.pk]),
        reverse("graduation:diploma", args=[diploma.pk]),
        reverse("graduation:diploma_photo", args=[diploma.pk]),
        reverse("graduation:recheck", args=[record.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert diploma.certificate_no not in client.get(reverse("graduation:diplomas")).content.decode()
    assert (
        record.student_no
        not in client.get(reverse("graduation:candidates") + "?include_done=on").content.decode()
    )


def test_another_school_cannot_register_our_records(client, personas, registered):
    set_president(personas.other_school)
    mine, _, _ = graduate(personas)
    client.force_login(personas.bob)
    client.post(
        reverse("graduation:register"), {"record": [mine.pk], "completion": "graduated", "school_type": "1"}
    )
    assert not DiplomaRecord.objects.filter(record=mine).exists()


def test_the_frozen_photo_is_for_the_graduate_the_school_and_operators(client, personas, registered):
    _, student, _, diploma, _ = registered
    _, _, other_student = graduate(personas)
    url = reverse("graduation:diploma_photo", args=[diploma.pk])
    for user, status in (
        (student, 200),
        (personas.alice, 200),
        (personas.frank, 200),
        (other_student, 404),
        (personas.bob, 404),
        (personas.carol, 403),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username


def test_students_see_only_their_own_diploma_and_reports(client, personas, registered):
    _, _, _, diploma, report = registered
    _, _, other_student = graduate(personas)
    client.force_login(other_student)
    html = client.get(reverse("verification:diploma")).content.decode()
    assert diploma.certificate_no not in html and report.code not in html
    assert client.get(reverse("graduation:report_pdf", args=[report.pk])).status_code == 404
    client.post(reverse("graduation:report_revoke", args=[report.pk]))
    client.post(reverse("graduation:report_extend", args=[report.pk]), {"validity_days": "30"})
    client.post(reverse("graduation:report_create", args=[diploma.pk]), {"validity_days": "30"})
    report.refresh_from_db()
    assert report.revoked_at is None and diploma.reports.count() == 1


def test_staff_cannot_use_the_student_report_pages(client, personas, registered):
    _, _, _, diploma, report = registered
    client.force_login(personas.alice)
    assert client.get(reverse("graduation:report_pdf", args=[report.pk])).status_code == 403
    assert client.post(reverse("graduation:report_create", args=[diploma.pk])).status_code == 403


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_the_api_refuses_other_roles_and_other_schools(client, personas, registered):
    record, student, batch, diploma, _ = registered
    body = {"student_nos": [record.student_no]}
    for user in (personas.carol, personas.frank, student):
        response = client.post(
            "/api/v1/graduation/registrations", body, content_type="application/json", **bearer(user)
        )
        assert response.status_code == 403, user.username
    assert (
        client.get(f"/api/v1/graduation/registrations/{batch.pk}", **bearer(personas.bob)).status_code == 404
    )
    assert client.get("/api/v1/graduation/diplomas", **bearer(personas.bob)).json() == []
    mine = client.get("/api/v1/graduation/diplomas", **bearer(student)).json()
    assert [d["certificate_no"] for d in mine] == [diploma.certificate_no]
    assert (
        client.post("/api/v1/graduation/registrations", body, content_type="application/json").status_code
        == 401
    )
