"""The real-person check before any record is shown (PRODUCT.md decision 4, DOMAIN BR-B10)."""

from __future__ import annotations

import hashlib
import hmac
import random

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.common.errors import NotAllowed
from gradphoto.common.images import check_image, store_content_addressed
from gradphoto.organisations.models import Organisation, OrgKind
from gradphoto.records.models import StudentRecord

from .models import IdentityReview, PersonCheck, PersonCheckAttempt, ReviewKind, ReviewState, User


class PersonCheckLimit(NotAllowed):
    code = "person_check_limit"


def tries_left_today(user: User) -> int:
    used = PersonCheckAttempt.objects.filter(user=user, at__gte=clock.local_day_start()).count()
    return max(0, rule("PERSON_CHECK_TRIES_PER_DAY") - used)


def _own_school_ids(user: User) -> set[int]:
    return set(StudentRecord.objects.filter(account=user).values_list("school_id", flat=True))


def school_choices(user: User) -> list[Organisation]:
    """Five schools, one of them the student's, the same list all day.

    The list is derived from a keyed hash of (user, day): reloading the page must not reshuffle
    the decoys, or the school common to every list would give the answer away.
    """
    own = sorted(_own_school_ids(user))
    if not own:
        return []
    seed = hmac.new(settings.SECRET_KEY.encode(), f"{user.pk}:{clock.today()}".encode(), hashlib.sha256)
    rng = random.Random(seed.hexdigest())
    answer = rng.choice(own)
    pool = list(
        Organisation.objects.filter(kind=OrgKind.SCHOOL).exclude(pk__in=own).values_list("pk", flat=True)
    )
    count = rule("PERSON_CHECK_CHOICES") - 1
    chosen = [*rng.sample(sorted(pool), min(count, len(pool))), answer]
    rng.shuffle(chosen)
    by_id = Organisation.objects.in_bulk(chosen)
    return [by_id[pk] for pk in chosen]


@transaction.atomic
def person_check_choose_school(*, user: User, school_id: int) -> bool:
    """One try: True when the chosen school is one of the student's own; limited per day."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.person_checked:
        return True
    if tries_left_today(user) <= 0:
        raise PersonCheckLimit(_("No tries left today. Try again tomorrow or upload your ID card photo."))
    offered = {s.pk for s in school_choices(user)}
    if school_id not in offered:
        raise NotAllowed(_("Choose one of the schools shown."), code="not_offered")
    succeeded = school_id in _own_school_ids(user)
    PersonCheckAttempt.objects.create(user=user, at=clock.now(), chosen_id=school_id, succeeded=succeeded)
    if succeeded:
        user.person_check, user.person_checked_at = PersonCheck.SCHOOL_VERIFIED, clock.now()
        user.save(update_fields=["person_check", "person_checked_at"])
        audit_record(actor=user, action="account.person_checked", obj=user, after={"by": "school"})
    return succeeded


def store_id_photo(data: bytes) -> str:
    fmt = check_image(data, formats=("JPEG", "PNG"), max_bytes=rule("ID_PHOTO_MAX_BYTES"))
    name, _digest = store_content_addressed(
        data, folder="idphotos", extension="jpg" if fmt == "JPEG" else "png"
    )
    return name


@transaction.atomic
def person_check_submit_id_photo(*, user: User, data: bytes) -> IdentityReview:
    """Send an ID-card photo for an operator's review; one pending review at a time."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.person_checked:
        raise NotAllowed(_("You have already passed the real-person check."), code="already_checked")
    name = store_id_photo(data)
    review, _created = IdentityReview.objects.update_or_create(
        user=user,
        kind=ReviewKind.PERSON_CHECK,
        state=ReviewState.PENDING,
        defaults={"id_photo": name, "submitted_at": clock.now()},
    )
    user.person_check = PersonCheck.PENDING_REVIEW
    user.save(update_fields=["person_check"])
    audit_record(actor=user, action="review.submitted", obj=review, after={"kind": review.kind})
    return review
