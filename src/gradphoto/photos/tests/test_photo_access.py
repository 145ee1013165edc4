"""Who may see a photo: its student and the staff whose organisation it concerns; 404 for the rest."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gradphoto.common.testing import make_photo, make_record, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(personas):
    record = make_record(personas.school, learning_centre=personas.centre)
    return make_photo(record, personas.agency)


def status(client, user, photo) -> int:
    client.force_login(user)
    return client.get(reverse("photos:image", args=[photo.pk])).status_code


def test_the_student_sees_the_photo_as_a_jpeg(client, photo):
    client.force_login(make_student(photo.record))
    response = client.get(reverse("photos:image", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "no-store" in response["Cache-Control"]


def test_staff_of_the_organisations_concerned_see_it(client, personas, photo):
    for user in (personas.alice, personas.carol, personas.dave, personas.erin, personas.frank):
        assert status(client, user, photo) == 200, user


def test_everyone_else_gets_404(client, personas, photo):
    assert status(client, personas.bob, photo) == 404
    assert status(client, make_student(make_record(personas.school)), photo) == 404
    client.logout()
    assert client.get(reverse("photos:image", args=[photo.pk])).status_code == 404


def test_staff_of_another_centre_or_agency_get_404(client, personas, photo):
    from gradphoto.common.testing import make_staff

    assert status(client, make_staff("centre_staff", personas.other_centre, "olga"), photo) == 404
    assert status(client, make_staff("collector_staff", personas.other_agency, "oscar"), photo) == 404


def test_an_unlinked_photo_is_not_shown_to_a_student_of_that_identity(client, personas):
    record = make_record(personas.school)
    photo = make_photo(record, personas.agency, name=record.name + "X")
    assert photo.link_state == "unlinked"
    assert status(client, make_student(record), photo) == 404
