"""The API: registration by student numbers and its results; public verification by code, number, batch."""

from __future__ import annotations

import pytest

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.graduation.models import DiplomaRecord
from gradphoto.graduation.reports import report_create

from .support import graduate, register, set_president

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_staff_register_by_student_numbers_and_read_the_results(client, personas):
    set_president(personas.school)
    ready, _, _ = graduate(personas)
    blocked, _, _ = graduate(personas, verdict=None)
    body = {"student_nos": [ready.student_no, blocked.student_no, "NOPE"], "graduated_on": "2026-07-01"}
    created = client.post(
        "/api/v1/graduation/registrations", body, content_type="application/json", **bearer(personas.alice)
    )
    assert created.status_code == 201
    result = created.json()
    assert (result["requested"], result["registered"], result["refused"]) == (3, 1, 2)
    assert result["diplomas"] == [{"student_no": ready.student_no, "certificate_no": "100011202605000001"}]
    assert {r["student_no"]: r["codes"] for r in result["refusals"]} == {
        "NOPE": ["unknown_student_no"],
        blocked.student_no: ["no_verdict"],
    }
    again = client.get(f"/api/v1/graduation/registrations/{result['id']}", **bearer(personas.alice)).json()
    assert again == result
    repeat = client.post(
        "/api/v1/graduation/registrations", body, content_type="application/json", **bearer(personas.alice)
    )
    assert repeat.json()["unchanged_student_nos"] == [ready.student_no]


def test_bad_options_are_400(client, personas):
    body = {"student_nos": ["x"], "completion": "肄业"}
    response = client.post(
        "/api/v1/graduation/registrations", body, content_type="application/json", **bearer(personas.alice)
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_completion"


def test_a_registration_request_has_a_bounded_number_of_students(client, personas):
    from gradphoto.api.graduation import MAX_PER_REQUEST
    from gradphoto.graduation.models import RegistrationBatch

    body = {"student_nos": [f"S{n}" for n in range(MAX_PER_REQUEST + 1)]}
    response = client.post(
        "/api/v1/graduation/registrations", body, content_type="application/json", **bearer(personas.alice)
    )
    assert response.status_code == 400 and response.json()["code"] == "too_many_student_nos"
    assert not RegistrationBatch.objects.exists()


@pytest.fixture
def published(personas):
    set_president(personas.school)
    record, _, student = graduate(personas, name="赵一鸣")
    register(personas.alice, [record])
    diploma = DiplomaRecord.objects.get(record=record)
    return diploma, report_create(student=student, diploma_id=diploma.pk, validity_days=30)


def test_anyone_verifies_a_code_without_a_token(client, published):
    diploma, report = published
    body = client.get(f"/api/v1/verify/reports/{report.code}").json()
    assert body["certificate_no"] == diploma.certificate_no and body["name"] == "赵一鸣"
    assert "id_number" not in body and diploma.id_number not in str(body)
    assert client.get(body["photo_url"]).status_code == 200
    missing = client.get("/api/v1/verify/reports/ABCDEFGHIJKLMNOP")
    assert missing.status_code == 404 and missing.json()["code"] == "invalid_code"


def test_certificate_and_name_over_the_api(client, published):
    diploma, _ = published
    url = "/api/v1/verify/certificate"
    match = client.post(
        url, {"certificate_no": diploma.certificate_no, "name": "赵一鸣"}, content_type="application/json"
    )
    wrong = client.post(
        url, {"certificate_no": diploma.certificate_no, "name": "赵亦鸣"}, content_type="application/json"
    )
    none = client.post(
        url, {"certificate_no": "100011202605099999", "name": "赵亦鸣"}, content_type="application/json"
    )
    assert match.json() == {"result": "match"}
    assert wrong.status_code == none.status_code == 200 and wrong.content == none.content
    assert (
        client.post(url, {"certificate_no": "12", "name": "x"}, content_type="application/json").status_code
        == 400
    )


def test_batch_over_the_api(client, published):
    diploma, _ = published
    lines = "\n".join(
        [f"赵一鸣;{diploma.certificate_no}"] + [f"某{n};1000112026050000{n:02d}" for n in range(20, 40)]
    )
    results = client.post("/api/v1/verify/batch", {"lines": lines}, content_type="application/json").json()
    assert [r["result"] for r in results][:2] == ["唯一匹配", "无匹配"] and results[-1]["result"] == "未核对"


def test_the_public_api_is_rate_limited_too(client, published, settings):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "VERIFY_LOOKUPS_PER_WINDOW": 2}
    _, report = published
    statuses = [client.get(f"/api/v1/verify/reports/{report.code}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (
        client.post(
            "/api/v1/verify/batch", {"lines": "a;100011202605000001"}, content_type="application/json"
        ).status_code
        == 429
    )


def test_the_openapi_schema_lists_the_graduation_and_verify_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/graduation/registrations" in paths and "/api/v1/verify/batch" in paths
    assert "security" not in paths["/api/v1/verify/certificate"]["post"]  # public: no token
    assert paths["/api/v1/graduation/registrations"]["post"]["security"]
