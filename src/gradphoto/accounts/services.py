"""Account use-cases: registration, activation, identity corrections (DOMAIN §7.B)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from gradphoto.audit.services import audit_record
from gradphoto.common import clock, idnumber
from gradphoto.common.conf import rule
from gradphoto.common.errors import Conflict, DomainError, NotAllowed
from gradphoto.linking.services import account_link_records

from .models import AccountState, IdType, Role, User


def normalise_identity(id_type: str, id_number: str) -> str:
    """The stored form of an ID number: GB 11643-checked for resident IDs, trimmed otherwise."""
    if id_type == IdType.RESIDENT:
        try:
            return idnumber.parse(id_number).number
        except idnumber.IdNumberError as error:
            raise DomainError(error.message, code=error.code) from error
    value = id_number.strip()
    if not value or len(value) > 20:
        raise DomainError(_("Enter the document number (at most 20 characters)."), code="id_format")
    return value


def _purge_stale_pending(email: str, id_type: str, id_number: str) -> None:
    cutoff = clock.now() - dt.timedelta(days=rule("ACTIVATION_DAYS"))
    User.objects.filter(account_state=AccountState.PENDING_ACTIVATION, date_joined__lt=cutoff).filter(
        email__iexact=email
    ).delete()
    User.objects.filter(
        account_state=AccountState.PENDING_ACTIVATION,
        date_joined__lt=cutoff,
        id_type=id_type,
        id_number=id_number,
    ).delete()


def account_register(
    *,
    email: str,
    password: str,
    real_name: str,
    id_type: str,
    id_number: str,
    mobile: str,
    base_url: str,
) -> User:
    """Create a real-name student account awaiting e-mail activation (BR-B1, BR-B5)."""
    email = email.strip().lower()
    real_name = real_name.strip()
    number = normalise_identity(id_type, id_number)
    if len(real_name) < 2:
        raise DomainError(_("The name must have at least two characters."), code="name_too_short")
    with transaction.atomic():
        _purge_stale_pending(email, id_type, number)
        if (
            User.objects.filter(id_type=id_type, id_number=number)
            .exclude(account_state=AccountState.DEREGISTERED)
            .exists()
        ):
            raise Conflict(
                _("This ID number is already registered. Recover that account instead."),
                code="id_number_taken",
            )
        if User.objects.filter(email__iexact=email).exclude(account_state=AccountState.DEREGISTERED).exists():
            raise Conflict(_("This e-mail address is already registered."), code="email_taken")
        try:
            user = User.objects.create_user(
                username=email,
                email=email,
                password=password,
                real_name=real_name,
                id_type=id_type,
                id_number=number,
                mobile=mobile.strip(),
                role=Role.STUDENT,
                is_active=False,
                account_state=AccountState.PENDING_ACTIVATION,
            )
        except IntegrityError as error:
            raise Conflict(_("This account already exists."), code="account_exists") from error
        audit_record(
            actor=None,
            action="account.registered",
            obj=user,
            after={"email": email, "id_number": idnumber.mask(number)},
        )
        transaction.on_commit(lambda: send_activation_mail(user, base_url))
    return user


def send_activation_mail(user: User, base_url: str) -> None:
    """The activation link (BR-B1), sent after commit so a rolled-back account gets no mail."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url.rstrip("/") + reverse("accounts:activate", args=[uid, token])
    body = render_to_string(
        "accounts/mail/activation.txt",
        {"user": user, "link": link, "days": rule("ACTIVATION_DAYS")},
    )
    send_mail(_("Activate your gradphoto account"), body, None, [user.email])


@transaction.atomic
def account_activate(*, user: User, token: str) -> User:
    """Activate on a valid link, then link the account to its records (BR-B9)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.account_state == AccountState.ACTIVE:
        return user
    if user.account_state != AccountState.PENDING_ACTIVATION or not default_token_generator.check_token(
        user, token
    ):
        raise NotAllowed(_("This activation link is not valid or has expired."), code="bad_activation_link")
    user.account_state, user.is_active = AccountState.ACTIVE, True
    user.save(update_fields=["account_state", "is_active"])
    audit_record(actor=user, action="account.activated", obj=user)
    account_link_records(user=user, actor=user)
    return user
