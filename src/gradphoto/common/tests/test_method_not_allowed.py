"""A button's address opened directly: a page that says so, in the reader's language; the API stays bare."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradphoto.common.testing import make_record, make_student

pytestmark = pytest.mark.django_db


def test_a_post_only_address_opened_directly_says_what_to_do(client, personas):
    record = make_record(personas.school)
    client.force_login(make_student(record))
    response = client.get(reverse("linking:search", args=[record.pk]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "请返回页面" in response.content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    assert (
        "press the button there" in client.get(reverse("linking:search", args=[record.pk])).content.decode()
    )


def test_the_api_keeps_its_own_answer(rf):
    """An empty 405 under /api/ stays empty (a machine reads the status); elsewhere it gets the page."""
    from django.http import HttpResponseNotAllowed

    from gradphoto.common.middleware import MethodNotAllowedPageMiddleware

    page = MethodNotAllowedPageMiddleware(lambda request: HttpResponseNotAllowed(["POST"]))
    assert page(rf.get("/api/v1/linking/claims/1/cancel")).content == b""
    assert b"<html" in page(rf.get("/linking/claims/1/cancel/")).content
