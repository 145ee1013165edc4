"""Access and what every page is told: logging in again lands where the user was, never on a POST-only
address; the windows pages speak of come from the settings."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def next_of(response) -> str:
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


def test_a_button_pressed_after_the_session_ended_returns_to_its_page_after_login():
    client = Client()
    records = reverse("verification:records")
    search = reverse("linking:search", args=[7])
    pressed = client.post(search, HTTP_REFERER=f"http://testserver{records}?x=1")
    assert next_of(pressed) == f"{records}?x=1"
    assert next_of(client.post(search, HTTP_REFERER="https://evil.example/records/")) == "/"
    assert next_of(client.post(search)) == "/"
    assert next_of(client.get(records + "?y=2")) == records + "?y=2"  # a page is simply opened again


def test_pages_speak_of_the_windows_the_settings_give(client, settings):
    settings.GRADPHOTO = {**settings.GRADPHOTO, "VERDICT_WINDOW_HOURS": 48}
    page = client.get("/").content.decode()
    assert "48 小时内可以修改" in page and "24 小时" not in page
