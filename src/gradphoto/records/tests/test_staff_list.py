"""Staff see their own organisation's records, ID numbers masked; students are refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gradphoto.common.testing import make_photo, make_record, make_student

pytestmark = pytest.mark.django_db
LIST = reverse("records:staff_list")
FULL_ID = re.compile(r"\d{17}[\dX]")


def test_each_staff_role_sees_only_its_own_organisations_records(client, personas):
    ours = make_record(personas.school, learning_centre=personas.centre, name="本校学生")
    make_photo(ours, personas.agency)
    theirs = make_record(personas.other_school, learning_centre=personas.other_centre, name="外校学生")
    make_photo(theirs, personas.other_agency)
    for user in (personas.alice, personas.carol, personas.dave, personas.erin):
        client.force_login(user)
        html = client.get(LIST).content.decode()
        assert "本校学生" in html and "外校学生" not in html, user
        assert not FULL_ID.search(html)
    client.force_login(personas.bob)
    html = client.get(LIST).content.decode()
    assert "外校学生" in html and "本校学生" not in html


def test_the_list_takes_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    for _ in range(30):
        make_photo(make_record(personas.school), personas.agency)
    client.force_login(personas.alice)
    with django_assert_max_num_queries(8):
        assert client.get(LIST).status_code == 200


def test_students_and_visitors_are_refused(client, personas):
    client.force_login(make_student(make_record(personas.school)))
    assert client.get(LIST).status_code == 403
    client.logout()
    assert client.get(LIST).status_code == 302


def test_an_agency_sees_its_photos_students_but_not_their_status(client, personas):
    """REQ-AC-03: an agency sees photo, not 学籍 — who it photographed and whether the photo is linked
    and verified, not the 学籍状态."""
    record = make_record(personas.school, name="采集学生", status="suspended")
    make_photo(record, personas.agency)
    client.force_login(personas.erin)
    html = client.get(LIST).content.decode()
    assert "采集学生" in html and record.get_status_display() not in html
    client.force_login(personas.alice)
    assert record.get_status_display() in client.get(LIST).content.decode()
