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
