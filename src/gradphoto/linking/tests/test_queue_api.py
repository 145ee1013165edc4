"""The queue and 没照片,找找看 over the API: the same rules as the pages."""

from __future__ import annotations

import pytest

from gradphoto.accounts.tokens import api_token_issue
from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.linking.models import PhotoClaim
from gradphoto.linking.tests.test_engine import an_id, substituted
from gradphoto.linking.tests.test_queue import suggestion  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}


def test_staff_list_and_accept_only_their_schools_suggestions(client, personas, suggestion):  # noqa: F811
    mine = client.get("/api/v1/linking/queue", **auth(personas.alice)).json()
    assert [s["id"] for s in mine] == [suggestion.pk] and mine[0]["evidence"]["id"] == "one_edit"
    assert client.get("/api/v1/linking/queue", **auth(personas.bob)).json() == []
    url = f"/api/v1/linking/suggestions/{suggestion.pk}/accept"
    assert client.post(url, **auth(personas.bob)).status_code == 404
    assert client.post(url, **auth(personas.erin)).status_code == 403
    assert client.post(url, **auth(personas.alice)).json() == {"link_state": "linked"}


def test_a_student_searches_and_claims_over_the_api(client, personas):
    record = make_record(personas.school, name="林峰", id_number=an_id(601))
    make_photo(record, personas.agency, name="林锋", id_number=substituted(record.id_number))
    headers = auth(make_student(record))
    found = client.post(f"/api/v1/linking/records/{record.pk}/search", **headers)
    assert found.status_code == 201
    body = found.json()
    assert body["candidates"][0]["name_masked"] == "林*" and "*" in body["candidates"][0]["id_masked"]
    claimed = client.post(f"/api/v1/linking/searches/{body['token']}/1/claim", **headers)
    assert claimed.status_code == 201 and claimed.json()["state"] == "pending"
    assert PhotoClaim.objects.get().record == record
    other = make_record(personas.school)
    assert client.post(f"/api/v1/linking/records/{other.pk}/search", **headers).status_code == 404
    assert (
        client.post(f"/api/v1/linking/records/{record.pk}/search", **auth(personas.alice)).status_code == 403
    )
