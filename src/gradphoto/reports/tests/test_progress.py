"""The progress view: counts per school and centre, in the user's scope, in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gradphoto.common.testing import make_photo, make_record, make_student
from gradphoto.verification.services import conclusion_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_with_students(personas):
    verified, wrong, pending, unlinked = (
        make_record(personas.school, learning_centre=personas.centre) for _ in range(4)
    )
    for record, verdict in ((verified, "correct"), (wrong, "wrong"), (pending, None)):
        make_photo(record, personas.agency)
        if verdict:
            conclusion_submit(
                student=make_student(record),
                record_id=record.pk,
                verdict=verdict,
                wrong_reason="" if verdict == "correct" else "swapped",
            )
    make_record(personas.other_school)
    return unlinked


def counts(html: str, label: str) -> list[int]:
    block = html.split(f'data-label="{label}"', 1)[1].split("progress-row", 1)[0]
    return [int(n) for n in re.findall(r'class="n-\w+">(\d+)<', block)]


def test_university_staff_see_their_school_by_status(
    client, personas, school_with_students, django_assert_max_num_queries
):
    client.force_login(personas.alice)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("reports:progress")).content.decode()
    assert counts(html, personas.school.name) == [1, 1, 1, 1]
    assert counts(html, personas.centre.name) == [1, 1, 1, 1]
    assert personas.other_school.name not in html
    assert "<svg" in html and 'class="verified"' in html


def test_students_and_agencies_are_refused(client, personas, school_with_students):
    for user in (personas.erin, make_student(school_with_students)):
        client.force_login(user)
        assert client.get(reverse("reports:progress")).status_code == 403
