"""The demo contract (PRODUCT.md): accounts.json, one student per case, every login works."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from gradphoto.common.testing import run_gradphoto
from gradphoto.demo.seed import seed
from gradphoto.linking.engine import run
from gradphoto.organisations.models import Organisation

EXPECTED_CASE = {
    "awaiting_verdict": ["awaiting_verdict"],
    "verdict_editable": ["verdict_editable"],
    "verdict_locked": ["verdict_locked"],
    "graduated": ["graduated"],
    "photo_not_uploaded": ["no_photo"],
    "claimable_photo": ["no_photo"],
    "collection_identity_wrong": ["no_photo"],
    "graduated_unlinked": ["graduated_no_photo"],
    "account_mismatch": ["no_record"],
    "excluded_school": ["excluded"],
    "swapped_pair": ["awaiting_verdict"],
}
ROLES = {"student", "centre_staff", "service_staff", "university_staff", "collector_staff", "operator"}


@pytest.fixture(scope="module")
def accounts(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        entries = seed(photo_count=12)
        run()  # as `gradphoto demo` does: every case must hold after the engine has run
        yield entries
        # Seeded outside any test transaction: remove it so later tests start from an empty database.
        call_command("flush", interactive=False, verbosity=0)


def log_in(client, entry) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": entry["username"], "password": entry["password"]}
    )
    assert response.status_code == 302, entry


@pytest.mark.django_db
def test_every_role_and_case_is_listed_with_the_contract_keys(accounts):
    assert {e["role"] for e in accounts} == ROLES
    cases = [e["case"] for e in accounts if e["role"] == "student"]
    assert set(cases) == set(EXPECTED_CASE) | {"person_check_pending"}
    assert cases.count("swapped_pair") == 2
    for entry in accounts:
        extra = {"school"} if entry["case"] == "person_check_pending" else set()
        assert set(entry) == {"role", "case", "username", "password", "api_token"} | extra  # exactly
        assert entry["case"] == "" or entry["role"] == "student"
    assert Organisation.objects.filter(code="10001", name="北京大学").exists()
    assert Organisation.objects.filter(code="xinhua-bj", name="新华社北京分社").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(EXPECTED_CASE))
def test_each_case_student_sees_the_case(client, accounts, case):
    for entry in [e for e in accounts if e["case"] == case]:
        log_in(client, entry)
        html = client.get(reverse("verification:records")).content.decode()
        assert re.findall(r'data-case="([a-z_]+)"', html) == EXPECTED_CASE[case]


@pytest.mark.django_db
@pytest.mark.parametrize("case, found", [("claimable_photo", 1), ("collection_identity_wrong", 0)])
def test_find_my_photo_finds_the_claimable_one_and_not_the_one_for_form_a(accounts, case, found):
    from gradphoto.accounts.models import User
    from gradphoto.linking.claims import photo_search

    student = User.objects.get(username=next(e["username"] for e in accounts if e["case"] == case))
    search = photo_search(student=student, record_id=student.records.get().pk)
    assert search.result_count == found


@pytest.mark.django_db
def test_the_swapped_pair_see_each_others_photos(accounts):
    from gradphoto.accounts.models import User

    pair = [User.objects.get(username=e["username"]) for e in accounts if e["case"] == "swapped_pair"]
    photos = [user.records.get().photos.get() for user in pair]
    assert photos[0].sha256 != photos[1].sha256


@pytest.mark.django_db
def test_the_person_check_student_passes_by_picking_the_listed_school(client, accounts):
    entry = next(e for e in accounts if e["case"] == "person_check_pending")
    log_in(client, entry)
    page = client.get(reverse("accounts:person_check")).content.decode()
    school = re.search(rf'value="(\d+)">{re.escape(entry["school"])}<', page)
    assert school, page
    client.post(reverse("accounts:person_check"), {"school": school.group(1)})
    assert client.get(reverse("verification:records")).status_code == 200


@pytest.mark.django_db
def test_staff_logins_and_tokens_work(client, accounts):
    for entry in [e for e in accounts if e["role"] != "student"]:
        log_in(client, entry)
        assert client.get(reverse("records:staff_list")).status_code == 200
        me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {entry['api_token']}").json()
        assert me["role"] == entry["role"]


def test_the_demo_command_writes_accounts_json(tmp_path: Path):
    result = run_gradphoto(tmp_path, "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    accounts = json.loads((tmp_path / "demo" / "accounts.json").read_text(encoding="utf-8"))
    assert {e["role"] for e in accounts} == ROLES
    assert (tmp_path / "gradphoto.sqlite3").exists()
    with sqlite3.connect(f"file:{tmp_path / 'gradphoto.sqlite3'}?mode=ro", uri=True) as db:
        suggested = db.execute(
            "SELECT p.name_collected FROM linking_linksuggestion s JOIN photos_photo p ON p.id = s.photo_id"
        ).fetchall()
        unlinked = db.execute(
            "SELECT link_state FROM photos_photo WHERE name_collected = '刘欣治'"
        ).fetchall()
    assert {"刘欣治", "周佳"} <= {name for (name,) in suggested}  # the review queue has work in it
    assert unlinked == [("unlinked",)]  # still for the claimable_photo student to find
