"""The API: bearer tokens, the student's records and verdict, refusals."""

from __future__ import annotations

import pytest

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.verification.models import Conclusion

pytestmark = pytest.mark.django_db


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def student_token(personas):
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    student = make_student(record)
    return record, api_token_issue(user=student)


def test_a_student_lists_records_and_gives_a_verdict(client, student_token):
    record, token = student_token
    listed = client.get("/api/v1/records", **auth(token)).json()
    assert [r["id"] for r in listed] == [record.pk] and listed[0]["case"] == "awaiting_verdict"
    response = client.post(
        f"/api/v1/records/{record.pk}/verdict",
        {"verdict": "correct"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 200 and response.json()["verdict"] == "correct"
    assert Conclusion.objects.count() == 1


def test_it_refuses_missing_and_wrong_tokens(client, student_token):
    assert client.get("/api/v1/records").status_code == 401
    assert client.get("/api/v1/records", **auth("gp_nonsense")).status_code == 401


def test_another_students_record_is_404(client, personas, student_token):
    record, _ = student_token
    other = api_token_issue(user=make_student(make_record(personas.school)))
    response = client.post(
        f"/api/v1/records/{record.pk}/verdict",
        {"verdict": "correct"},
        content_type="application/json",
        **auth(other),
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_staff_have_no_student_records(client, personas):
    response = client.get("/api/v1/records", **auth(api_token_issue(user=personas.alice)))
    assert response.status_code == 403


def test_an_invalid_verdict_is_a_400_with_a_code(client, student_token):
    record, token = student_token
    response = client.post(
        f"/api/v1/records/{record.pk}/verdict",
        {"verdict": "maybe"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_verdict"


def test_me_masks_the_id_number(client, student_token):
    record, token = student_token
    me = client.get("/api/v1/me", **auth(token)).json()
    assert record.id_number not in str(me) and me["id_number_masked"].endswith(record.id_number[-4:])


def test_the_openapi_schema_is_served(client):
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "gradphoto"


def test_every_refusal_is_json_with_a_code_and_a_message(client, settings, student_token):
    record, token = student_token
    url = f"/api/v1/records/{record.pk}/verdict"
    answers = {
        "no token": client.get("/api/v1/records"),
        "unparsable body": client.post(url, b"\x00{", content_type="application/json", **auth(token)),
        "wrong shape": client.post(url, {"verdict": 3}, content_type="application/json", **auth(token)),
        "too large": client.post(
            url,
            b"{" + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b"}",
            content_type="application/json",
            **auth(token),
        ),
        "bad multipart": client.generic(
            "POST",
            "/api/v1/imports/records",
            b"--x\r\nbroken",
            content_type="multipart/form-data; boundary=",
            **auth(token),
        ),
    }
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "no token": 401,
        "unparsable body": 400,
        "wrong shape": 422,
        "too large": 400,
        "bad multipart": 400,
    }
    for name, response in answers.items():
        body = response.json()
        assert {"code", "message"} <= set(body) and body["code"] and body["message"], name


def test_the_daily_search_limit_is_429(client, settings, personas):
    from gradphoto.linking.tests.test_engine import an_id, substituted

    settings.GRADPHOTO = {**settings.GRADPHOTO, "PHOTO_SEARCHES_PER_DAY": 1}
    record = make_record(personas.school, name="李明", id_number=an_id(111))
    make_photo(
        make_record(personas.school), personas.agency, name="李铭", id_number=substituted(record.id_number)
    )
    token = api_token_issue(user=make_student(record))
    url = f"/api/v1/linking/records/{record.pk}/search"
    assert client.post(url, **auth(token)).status_code == 201
    refused = client.post(url, **auth(token))
    assert refused.status_code == 429 and refused.json()["code"] == "search_limit"


def test_the_photo_urls_the_api_gives_open_with_the_token_and_for_nobody_else(
    client, personas, student_token
):
    from gradphoto.linking.tests.test_engine import an_id, substituted

    _, token = student_token
    photo_url = client.get("/api/v1/records", **auth(token)).json()[0]["photo_url"]
    shown = client.get(photo_url, **auth(token))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert client.get(photo_url, **auth("gp_nonsense")).status_code == 401
    other = api_token_issue(user=make_student(make_record(personas.school)))
    assert client.get(photo_url, **auth(other)).status_code == 404  # not theirs
    assert client.get(photo_url).status_code == 404  # nobody
    seeker = make_record(personas.school, name="李明", id_number=an_id(121))
    make_photo(
        make_record(personas.school), personas.agency, name="李铭", id_number=substituted(seeker.id_number)
    )
    seeker_token = api_token_issue(user=make_student(seeker))
    found = client.post(f"/api/v1/linking/records/{seeker.pk}/search", **auth(seeker_token)).json()
    thumbnail = found["candidates"][0]["thumbnail_url"]
    assert client.get(thumbnail, **auth(seeker_token)).status_code == 200
    assert client.get(thumbnail, **auth(token)).status_code == 404  # another student


def test_contested_claims_are_listed_and_decided_by_the_records_university_only(client, personas):
    from gradphoto.linking.tests.test_queue import contested

    record = make_record(personas.school, name="张龙")
    photo = make_photo(make_record(personas.school), personas.agency, name="张庞", id_number="1")
    claim = contested(record, photo, make_student(record))
    alice, bob = api_token_issue(user=personas.alice), api_token_issue(user=personas.bob)
    student = api_token_issue(user=make_student(make_record(personas.school)))
    listed = client.get("/api/v1/linking/claims/contested", **auth(alice)).json()
    assert [(c["id"], c["photo_linked_meanwhile"]) for c in listed] == [(claim.pk, False)]
    assert client.get("/api/v1/linking/claims/contested", **auth(bob)).json() == []
    award = f"/api/v1/linking/claims/{claim.pk}/award"
    assert client.post(award, **auth(bob)).status_code == 404  # another school's student
    assert client.post(award, **auth(student)).status_code == 403
    assert client.post(award, **auth(alice)).json() == {"link_state": "linked"}
    again = client.post(award, **auth(alice))
    assert again.status_code == 409 and again.json()["code"] == "already_decided"


def test_a_dismissal_over_the_api_may_say_why(client, personas):
    from gradphoto.linking.tests.test_queue import contested
    from gradphoto.notifications.models import Message

    record, other = make_record(personas.school), make_record(personas.school)
    photo = make_photo(make_record(personas.school), personas.agency, name="张庞", id_number="1")
    told, bare = make_student(record), make_student(other)
    first, second = contested(record, photo, told), contested(other, photo, bare)
    alice = auth(api_token_issue(user=personas.alice))
    url = "/api/v1/linking/claims/{}/dismiss"
    noted = client.post(url.format(first.pk), {"note": "不是本人"}, content_type="application/json", **alice)
    assert noted.json() == {"state": "cancelled"}
    assert client.post(url.format(second.pk), **alice).json() == {"state": "cancelled"}  # no body: no note
    assert all("学校说明：不是本人" in m.body for m in Message.objects.filter(user=told))
    assert not any("学校说明" in m.body for m in Message.objects.filter(user=bare))
    too_long = client.post(
        url.format(first.pk), {"note": "长" * 201}, content_type="application/json", **alice
    )
    assert too_long.status_code == 422
    student = auth(api_token_issue(user=told))  # the role is refused before the body is read
    long_note = {"note": "长" * 201}
    assert (
        client.post(url.format(first.pk), long_note, content_type="application/json", **student).status_code
        == 403
    )


def test_a_student_withdraws_only_a_claim_of_their_own(client, personas):
    from gradphoto.common import clock
    from gradphoto.linking.models import PhotoClaim

    record = make_record(personas.school)
    owner = make_student(record)
    photo = make_photo(make_record(personas.school), personas.agency, name="别人", id_number="1")
    now = clock.now()
    claim = PhotoClaim.objects.create(
        student=owner, record=record, photo=photo, school=personas.school, created_at=now, effective_at=now
    )
    cancel = f"/api/v1/linking/claims/{claim.pk}/cancel"
    other = api_token_issue(user=make_student(make_record(personas.school)))
    assert client.post(cancel, **auth(other)).status_code == 404
    token = auth(api_token_issue(user=owner))
    assert client.post(cancel, **token).json()["state"] == "cancelled"
    again = client.post(cancel, **token)  # a double submit: decided already, as the queue answers it
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("/api/v1/imports", ("student", "carol", "dave")),
        ("/api/v1/applications", ("erin",)),
        ("/api/v1/graduation/diplomas", ("carol", "dave", "erin")),
    ],
)
def test_a_list_refuses_the_roles_its_page_refuses(client, personas, path, refused):
    """403, as the page: an empty list would answer a role with no business there as if it had."""
    for who in refused:
        user = make_student(make_record(personas.school)) if who == "student" else getattr(personas, who)
        response = client.get(path, **auth(api_token_issue(user=user)))
        assert (response.status_code, response.json()["code"]) == (403, "forbidden_role"), who
    assert client.get(path, **auth(api_token_issue(user=personas.alice))).status_code == 200
