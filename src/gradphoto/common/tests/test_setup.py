"""The set-up contract: the database the suite runs on, security headers, the deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection


@pytest.mark.django_db
def test_it_runs_on_postgresql_when_ci_requires_it():
    if not os.environ.get("GRADPHOTO_REQUIRE_POSTGRES"):
        pytest.skip("GRADPHOTO_REQUIRE_POSTGRES is not set: this run uses the embedded SQLite database")
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_chinese_is_the_default_whatever_the_browser_asks(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html


@pytest.mark.django_db
def test_english_is_complete_once_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Log in" in html and "登录" not in html


def test_every_chinese_message_is_translated():
    from pathlib import Path

    po = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and "msgstr[" not in e and e.count('"') <= 4]
    assert untranslated == [] and "#, fuzzy" not in po.read_text(encoding="utf-8")


def test_the_https_settings_pass_the_deploy_checks(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GRADPHOTO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="gradphoto.settings",
        GRADPHOTO_HOME=str(tmp_path),
        GRADPHOTO_HTTPS="1",
        GRADPHOTO_SECRET_KEY="kQ9-vT2_mZ8pL4wX7cR1bN6yH3jF0sD5gA-eU8iO2qW4tY6-Zr5Lm3Kd",
        GRADPHOTO_ALLOWED_HOSTS="gradphoto.example.cn",
    )
    result = subprocess.run(
        [sys.executable, "-m", "gradphoto.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
