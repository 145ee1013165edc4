"""What 学籍信息 shows for each record: the seed's decision table (DOMAIN.md §8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from gradphoto.accounts.models import User
from gradphoto.common import clock
from gradphoto.common.conf import rule
from gradphoto.organisations.models import Organisation
from gradphoto.photos.models import LinkState, Photo
from gradphoto.records.models import RecordStatus, StudentRecord

from .models import Conclusion


class Case:
    """The seed's cases, as shown to the student (DOMAIN.md §6.4 states)."""

    EXCLUDED = "excluded"
    AWAITING_VERDICT = "awaiting_verdict"  # (一), P3
    VERDICT_EDITABLE = "verdict_editable"  # (一)4, P4
    VERDICT_LOCKED = "verdict_locked"  # (一)4, P5
    GRADUATED = "graduated"  # (二), P6
    NO_PHOTO = "no_photo"  # (三), P1
    GRADUATED_NO_PHOTO = "graduated_no_photo"  # (三)4


@dataclass
class StudyRule:
    """The 2.5-year rule with the student's own numbers (BR-E5, PRODUCT.md decision 3)."""

    applies: bool
    threshold: Decimal
    years: Decimal
    exceeds: bool
    exceeds_after: dt.date
    fee: Decimal


@dataclass
class RecordCard:
    record: StudentRecord
    case: str
    photo: Photo | None = None
    conclusion: Conclusion | None = None
    history: list = field(default_factory=list)
    window_left: dt.timedelta | None = None
    study: StudyRule | None = None
    expected_upload_on: dt.date | None = None
    collection_agency: Organisation | None = None
    forms: list = field(default_factory=list)  # applications the student may report (corrections.rules)
    applications: list = field(default_factory=list)  # open applications for this record

    @property
    def office(self) -> str:
        """Who files forms for this student: the learning centre, else the school's own office."""
        centre = self.record.learning_centre
        if centre is not None:
            return _("your learning centre (%(name)s)") % {"name": centre.name}
        return _("the photo office of %(name)s") % {"name": self.record.school.name}

    @property
    def window_left_hours(self) -> int:
        return int(self.window_left.total_seconds() // 3600) if self.window_left else 0

    @property
    def window_left_minutes(self) -> int:
        return int(self.window_left.total_seconds() // 60 % 60) if self.window_left else 0


def study_rule(record: StudentRecord) -> StudyRule:
    school = record.school
    return StudyRule(
        applies=school.threshold_applies,
        threshold=school.study_threshold_years,
        years=clock.study_years(record.enrolled_on),
        exceeds=clock.exceeds_threshold(record.enrolled_on, school.study_threshold_years),
        exceeds_after=clock.threshold_date(record.enrolled_on, school.study_threshold_years),
        fee=school.photo_change_fee,
    )


def record_cards_for_student(student: User) -> list[RecordCard]:
    """Every record linked to the account, with its case, photo, verdict and the numbers the page needs."""
    records = list(
        StudentRecord.objects.filter(account=student)
        .select_related("school", "school__collection_agency", "learning_centre")
        .order_by("-enrolled_on", "pk")
    )
    photos = {
        p.record_id: p
        for p in Photo.objects.filter(record__in=records, link_state=LinkState.LINKED).select_related(
            "agency"
        )
    }
    conclusions = {
        c.record_id: c
        for c in Conclusion.objects.filter(record__in=records, deleted_at=None).prefetch_related("events")
        if photos.get(c.record_id) and photos[c.record_id].pk == c.photo_id
    }
    return [_card(r, photos.get(r.pk), conclusions.get(r.pk)) for r in records]


def _card(record: StudentRecord, photo: Photo | None, conclusion: Conclusion | None) -> RecordCard:
    card = RecordCard(
        record=record, case=Case.NO_PHOTO, photo=photo, conclusion=conclusion, study=study_rule(record)
    )
    if conclusion is not None:
        card.history = list(conclusion.events.all())
    if record.school.excluded:
        card.case = Case.EXCLUDED
    elif record.status == RecordStatus.GRADUATED:
        card.case = Case.GRADUATED if photo else Case.GRADUATED_NO_PHOTO
    elif photo is None:
        card.case = Case.NO_PHOTO
        school = record.school
        if school.collection_on:
            card.collection_agency = school.collection_agency
            card.expected_upload_on = school.collection_on + dt.timedelta(
                days=rule("UPLOAD_DELAY_DAYS_XINHUA")
            )
    elif conclusion is None:
        card.case = Case.AWAITING_VERDICT
    else:
        left = conclusion.window_ends_at - clock.now()
        if left.total_seconds() > 0:
            card.case, card.window_left = Case.VERDICT_EDITABLE, left
        else:
            card.case = Case.VERDICT_LOCKED
    return card


def record_card_for_student(student: User, record_id: int) -> RecordCard | None:
    for card in record_cards_for_student(student):
        if card.record.pk == record_id:
            return card
    return None
