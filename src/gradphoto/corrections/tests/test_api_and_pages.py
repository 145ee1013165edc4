"""Applications over HTTP: pages and API refuse other roles and organisations; the student's report button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.common.testing import make_photo, make_record, make_staff, make_student
from gradphoto.corrections import services
from gradphoto.corrections.models import Application, AppState
from gradphoto.verification.services import conclusion_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(personas):
    records = [make_record(personas.school, learning_centre=personas.centre) for _ in range(2)]
    students = []
    for record in records:
        make_photo(record, personas.agency)
        student = make_student(record)
        conclusion_submit(student=student, record_id=record.pk, verdict="wrong", wrong_reason="swapped")
        students.append(student)
    return records, students


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_the_student_reports_from_xueji_and_sees_the_application(client, pair):
    (record, _), (student, _) = pair
    client.force_login(student)
    page = client.get(reverse("verification:records")).content.decode()
    assert 'data-form="a_swap"' in page
    response = client.post(reverse("corrections:report"), {"record": record.pk, "form_type": "a_swap"})
    app = Application.objects.get()
    assert response["Location"] == reverse("corrections:detail", args=[app.pk])
    page = client.get(reverse("verification:records")).content.decode()
    assert f'data-application="{app.pk}"' in page and 'data-form="a_swap"' not in page
    own = client.get(reverse("corrections:detail", args=[app.pk])).content.decode()
    assert (
        "撤回报告" in own and "提交审核结果" not in own and "<li>—</li>" not in own
    )  # a student's words, not staff's


def test_the_whole_flow_over_the_api(client, personas, pair):
    (first, second), (student, _) = pair
    created = client.post(
        "/api/v1/applications",
        {"record_id": first.pk, "form_type": "a_swap"},
        content_type="application/json",
        **bearer(student),
    )
    assert created.status_code == 201
    url = f"/api/v1/applications/{created.json()['id']}"
    assert (
        client.post(
            f"{url}/file",
            {"counterpart_student_no": second.student_no},
            content_type="application/json",
            **bearer(personas.carol),
        ).json()["state"]
        == "submitted"
    )
    assert (
        client.post(
            f"{url}/approve", {}, content_type="application/json", **bearer(personas.alice)
        ).status_code
        == 403
    )
    assert (
        client.post(f"{url}/forward", {}, content_type="application/json", **bearer(personas.dave)).json()[
            "state"
        ]
        == "forwarded"
    )
    body = client.post(f"{url}/approve", {}, content_type="application/json", **bearer(personas.alice)).json()
    assert body["state"] == AppState.APPLIED and [h["to"] for h in body["history"]][-1] == "applied"


def test_other_organisations_get_404_on_pages_and_api(client, personas, pair):
    (first, _), (student, other_student) = pair
    client.force_login(student)
    client.post(reverse("corrections:report"), {"record": first.pk, "form_type": "a_swap"})
    app = Application.objects.get()
    outsiders = [
        personas.bob,
        personas.erin,
        other_student,
        make_staff("centre_staff", personas.other_centre, "olga"),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(reverse("corrections:detail", args=[app.pk])).status_code in (403, 404)
        assert client.get(reverse("corrections:pdf", args=[app.pk])).status_code in (403, 404)
        assert client.get(f"/api/v1/applications/{app.pk}", **bearer(user)).status_code == 404
        listed = client.get("/api/v1/applications", **bearer(user))
        assert listed.status_code == 403 or app.pk not in [a["id"] for a in listed.json()]  # 403: an agency


def test_worklists_mask_id_numbers(client, personas, pair):
    (first, _), (student, _) = pair
    client.force_login(student)
    client.post(reverse("corrections:report"), {"record": first.pk, "form_type": "a_swap"})
    for user in (personas.carol, personas.dave, personas.alice):
        client.force_login(user)
        html = client.get(reverse("corrections:worklist")).content.decode()
        assert first.name in html and first.id_number not in html


def test_staff_attach_a_signed_scan_over_the_api_and_others_cannot(client, personas, pair):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gradphoto.common.testing import tiny_jpeg

    (first, _), (student, _) = pair
    app = client.post(
        "/api/v1/applications",
        {"record_id": first.pk, "form_type": "a_swap"},
        content_type="application/json",
        **bearer(student),
    ).json()
    url = f"/api/v1/applications/{app['id']}/attachments"
    ok = client.post(
        url,
        {"kind": "signed_form", "file": SimpleUploadedFile("scan.jpg", tiny_jpeg())},
        **bearer(personas.carol),
    )
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/jpeg"
    bad = client.post(
        url,
        {"kind": "signed_form", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 /JavaScript")},
        **bearer(personas.carol),
    )
    assert bad.status_code == 400 and bad.json()["code"] == "pdf_active_content"
    assert (
        client.post(
            url, {"kind": "other", "file": SimpleUploadedFile("a.jpg", tiny_jpeg())}, **bearer(personas.bob)
        ).status_code
        == 404
    )
    assert (
        client.post(
            url, {"kind": "other", "file": SimpleUploadedFile("a.jpg", tiny_jpeg())}, **bearer(student)
        ).status_code
        == 403
    )


def test_an_attachment_is_read_only_after_the_access_and_size_checks(personas, pair):
    import pytest

    from gradphoto.common.errors import DomainError, NotFound
    from gradphoto.corrections.attachments import MAX_BYTES, attachment_add
    from gradphoto.corrections.services import application_report

    class Unread:
        """An upload that must not be read (a 300 MB body, say)."""

        def __init__(self, size: int) -> None:
            self.size = size

        def read(self, *args: object) -> bytes:
            raise AssertionError("read before the checks")

    (first, _), (student, _) = pair
    app = application_report(student=student, record_id=first.pk, form_type="a_swap")
    with pytest.raises(NotFound):  # another school's staff
        attachment_add(
            user=personas.bob, application_id=app.pk, kind="other", filename="a", upload=Unread(10)
        )
    with pytest.raises(DomainError) as refused:
        attachment_add(
            user=personas.carol,
            application_id=app.pk,
            kind="other",
            filename="a",
            upload=Unread(MAX_BYTES + 1),
        )
    assert refused.value.code == "file_too_large"


def test_nothing_of_an_application_before_the_real_person_check(client, personas):
    """Decision 4: as 学籍信息, applications wait for the check, on the pages and over the API."""
    from gradphoto.accounts.models import PersonCheck

    record = make_record(personas.school)  # no photo: Form A (fix identity) applies
    student = make_student(record)
    app = services.application_report(student=student, record_id=record.pk, form_type="a_fix_identity")
    student.person_check, student.person_checked_at = PersonCheck.NONE, None
    student.save(update_fields=["person_check", "person_checked_at"])
    client.force_login(student)
    assert client.get(reverse("corrections:worklist"))["Location"] == reverse("accounts:person_check")
    assert client.get(reverse("corrections:detail", args=[app.pk])).status_code == 404
    assert client.get(reverse("corrections:pdf", args=[app.pk])).status_code == 404
    api = bearer(student)
    assert client.get("/api/v1/applications", **api).json() == []
    refused = client.post(
        "/api/v1/applications",
        {"record_id": record.pk, "form_type": "a_fix_identity"},
        content_type="application/json",
        **api,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "person_check_required")


def test_a_student_is_refused_staff_steps_before_their_details_are_looked_at(client, pair):
    """403 bad_transition, not what filing or approving would have needed (photo_required…)."""
    (record, _), (student, _) = pair
    app = services.application_report(student=student, record_id=record.pk, form_type="a_swap")
    api = bearer(student)
    for step in ("file", "approve"):
        response = client.post(
            f"/api/v1/applications/{app.pk}/{step}", {}, content_type="application/json", **api
        )
        assert (response.status_code, response.json()["code"]) == (403, "bad_transition"), step


def test_the_same_file_attached_twice_is_kept_once(personas, pair):
    """A double submit of one scan: one attachment, one audit row."""

    from django.core.files.uploadedfile import SimpleUploadedFile

    from gradphoto.audit.models import AuditEvent
    from gradphoto.common.testing import tiny_jpeg
    from gradphoto.corrections.attachments import attachment_add

    (record, _), (student, _) = pair
    app = services.application_report(student=student, record_id=record.pk, form_type="a_swap")
    data = tiny_jpeg()
    for _ in range(2):
        upload = SimpleUploadedFile("scan.jpg", data, content_type="image/jpeg")
        attachment_add(
            user=personas.carol, application_id=app.pk, kind="signed_form", filename="scan.jpg", upload=upload
        )
    assert app.attachments.count() == 1
    assert AuditEvent.objects.filter(action="application.attachment").count() == 1
