"""The real-person check (PRODUCT.md decision 4): five schools, a daily limit, or an ID photo."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gradphoto.accounts.models import IdentityReview, PersonCheck
from gradphoto.accounts.person_check import school_choices
from gradphoto.accounts.reviews import review_decide
from gradphoto.common import clock
from gradphoto.common.errors import NotAllowed, NotFound
from gradphoto.common.testing import make_photo, make_record, make_student, org, tiny_jpeg
from gradphoto.organisations.models import Organisation, OrgKind

pytestmark = pytest.mark.django_db
CHECK = reverse("accounts:person_check")
DAY = dt.datetime(2026, 11, 28, 10, tzinfo=clock.SHANGHAI)


@pytest.fixture
def unchecked(personas):
    for n in range(10):
        org(OrgKind.SCHOOL, f"2{n:04d}", f"某某大学{n}")
    record = make_record(personas.school)
    make_photo(record, personas.agency)
    return make_student(record, checked=False), record


def test_records_stay_hidden_until_the_check_is_passed(client, unchecked):
    student, record = unchecked
    client.force_login(student)
    response = client.get(reverse("verification:records"))
    assert response.status_code == 302 and response["Location"] == CHECK
    photo = record.photos.get()
    assert client.get(reverse("photos:image", args=[photo.pk])).status_code == 404


def test_it_offers_five_schools_including_the_students_own_the_same_all_day(unchecked):
    student, record = unchecked
    with time_machine.travel(DAY, tick=False):
        first = school_choices(student)
        assert school_choices(student) == first  # reloading must not reshuffle the decoys
    assert len(first) == 5 and len(set(first)) == 5
    assert record.school in first


def test_choosing_the_own_school_passes(client, unchecked):
    student, record = unchecked
    client.force_login(student)
    response = client.post(CHECK, {"school": record.school.pk})
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.person_check == PersonCheck.SCHOOL_VERIFIED
    assert client.get(reverse("verification:records")).status_code == 200


def test_it_allows_five_wrong_tries_a_day(client, unchecked):
    student, record = unchecked
    client.force_login(student)
    with time_machine.travel(DAY, tick=False):
        wrong = [s for s in school_choices(student) if s != record.school]
        for n in range(5):
            response = client.post(CHECK, {"school": wrong[n % 4].pk})
            assert "这不是您的学校" in response.content.decode()
        client.post(CHECK, {"school": record.school.pk})  # a sixth try, right this time, is refused
        student.refresh_from_db()
        assert student.person_check == PersonCheck.NONE
    with time_machine.travel(DAY + dt.timedelta(days=1), tick=False):
        client.post(CHECK, {"school": record.school.pk})
        student.refresh_from_db()
        assert student.person_check == PersonCheck.SCHOOL_VERIFIED


def test_a_school_not_offered_is_refused(client, unchecked, personas):
    student, _ = unchecked
    client.force_login(student)
    offered = {s.pk for s in school_choices(student)}
    outsider = Organisation.objects.filter(kind=OrgKind.SCHOOL).exclude(pk__in=offered).first()
    assert outsider is not None
    client.post(CHECK, {"school": outsider.pk})
    student.refresh_from_db()
    assert student.person_check == PersonCheck.NONE
    assert student.person_check_attempts.count() == 0


def test_an_id_photo_goes_to_an_operator_who_approves_it(client, unchecked, personas):
    student, _ = unchecked
    client.force_login(student)
    upload = SimpleUploadedFile("id.jpg", tiny_jpeg(), content_type="image/jpeg")
    client.post(reverse("accounts:person_check_id_photo"), {"id_photo": upload})
    review = IdentityReview.objects.get(user=student)
    student.refresh_from_db()
    assert student.person_check == PersonCheck.PENDING_REVIEW
    with pytest.raises(NotFound):
        review_decide(operator=personas.alice, review_id=review.pk, approve=True)
    client.force_login(personas.frank)
    assert client.get(reverse("accounts:review_photo", args=[review.pk])).status_code == 200
    client.post(reverse("accounts:review_detail", args=[review.pk]), {"decision": "approve", "note": ""})
    student.refresh_from_db()
    assert student.person_check == PersonCheck.REVIEW_VERIFIED
    with pytest.raises(NotAllowed):
        review_decide(operator=personas.frank, review_id=review.pk, approve=False, note="twice")


def test_a_file_that_is_not_an_image_is_refused(client, unchecked):
    student, _ = unchecked
    client.force_login(student)
    upload = SimpleUploadedFile("id.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client.post(reverse("accounts:person_check_id_photo"), {"id_photo": upload}, follow=True)
    assert not IdentityReview.objects.exists()
    assert "图" in response.content.decode()


def test_only_operators_open_reviews(client, personas, unchecked):
    student, _ = unchecked
    for user in [student, *[s for s in personas.staff() if s != personas.frank]]:
        client.force_login(user)
        assert client.get(reverse("accounts:reviews")).status_code == 403
