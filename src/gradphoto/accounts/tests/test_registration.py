"""Registration with e-mail activation, login identifiers, throttling, password reset, identity correction."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gradphoto.accounts.models import AccountState, IdentityReview, User
from gradphoto.accounts.reviews import review_decide
from gradphoto.common.testing import PASSWORD, make_record, make_student, tiny_jpeg

pytestmark = pytest.mark.django_db


def logs_in(client, username: str, password: str) -> bool:
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302


def form(record, **overrides):
    data = {
        "email": "new@example.cn",
        "password": "a long enough pass",
        "password2": "a long enough pass",
        "real_name": record.name,
        "id_type": "resident",
        "id_number": record.id_number,
        "mobile": "13912345678",
    }
    data.update(overrides)
    return data


def test_it_registers_activates_by_mail_and_links_the_record(
    client, personas, django_capture_on_commit_callbacks
):
    record = make_record(personas.school)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:register"), form(record))
    assert response.status_code == 302
    user = User.objects.get(email="new@example.cn")
    assert user.account_state == AccountState.PENDING_ACTIVATION and not user.is_active
    assert not logs_in(client, "new@example.cn", "a long enough pass")
    link = re.search(r"https?://\S+/accounts/activate/\S+/", mail.outbox[0].body).group(0)
    assert client.get(link).status_code == 200
    user.refresh_from_db()
    assert user.account_state == AccountState.ACTIVE
    record.refresh_from_db()
    assert record.account == user
    assert logs_in(client, "new@example.cn", "a long enough pass")


def test_a_forged_activation_link_does_nothing(client, personas):
    record = make_record(personas.school)
    client.post(reverse("accounts:register"), form(record))
    user = User.objects.get(email="new@example.cn")
    client.get(f"/accounts/activate/{user.pk}/bogus-token/")
    user.refresh_from_db()
    assert user.account_state == AccountState.PENDING_ACTIVATION


@pytest.mark.parametrize("bad", ["11010519491231002", "110105194912310021", "1101051949123100X2"])
def test_it_rejects_an_invalid_id_number(client, personas, bad):
    response = client.post(reverse("accounts:register"), form(make_record(personas.school), id_number=bad))
    assert response.status_code == 200 and not User.objects.filter(email="new@example.cn").exists()
    assert "身份证号" in response.content.decode()


def test_one_id_number_has_one_live_account(client, personas):
    record = make_record(personas.school)
    make_student(record)
    response = client.post(reverse("accounts:register"), form(record))
    assert response.status_code == 200
    assert User.objects.filter(id_number=record.id_number).count() == 1


def test_login_is_locked_per_username_and_address_after_five_failures(client, personas):
    record = make_record(personas.school)
    student = make_student(record)
    for _ in range(5):
        client.post(
            reverse("accounts:login"),
            {"username": student.email, "password": "wrong"},
            REMOTE_ADDR="10.1.1.1",
        )
    locked = client.post(
        reverse("accounts:login"), {"username": student.email, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert locked.status_code == 429
    other_address = client.post(
        reverse("accounts:login"), {"username": student.email, "password": PASSWORD}, REMOTE_ADDR="10.1.1.2"
    )
    assert other_address.status_code == 302


def test_password_reset_sends_a_working_link(client, personas):
    student = make_student(make_record(personas.school))
    client.post(reverse("accounts:password_reset"), {"email": student.email})
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "another long pass 9", "new_password2": "another long pass 9"},
    )
    assert logs_in(client, student.email, "another long pass 9")


def test_an_identity_correction_relinks_the_account(client, personas):
    record = make_record(personas.school, name="李鸣")
    student = make_student(None, real_name="李明", id_number=record.id_number)
    client.force_login(student)
    upload = SimpleUploadedFile("id.png", tiny_jpeg(), content_type="image/jpeg")
    response = client.post(
        reverse("accounts:identity_correction"),
        {"real_name": "李鸣", "id_number": record.id_number, "reason": "名字写错", "id_photo": upload},
    )
    assert response.status_code == 302
    review = IdentityReview.objects.get()
    record.refresh_from_db()
    assert record.account is None
    review_decide(operator=personas.frank, review_id=review.pk, approve=True)
    record.refresh_from_db()
    assert record.account == student
