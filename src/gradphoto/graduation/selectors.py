"""Reads for the graduation pages: settings, candidates with their gate, diplomas, reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from gradphoto.accounts.models import User
from gradphoto.common import clock
from gradphoto.organisations.models import Organisation
from gradphoto.records.models import RecordStatus, StudentRecord

from .access import diplomas_visible_to, registrable_records, reports_of_student
from .models import DiplomaRecord, GraduationSettings, VerificationReport


def school_settings(school: Organisation) -> GraduationSettings:
    """The school's diploma settings; an unsaved default (no president, regular) until set."""
    found = GraduationSettings.objects.filter(school=school).first()
    return found or GraduationSettings(school=school)


@dataclass(frozen=True)
class CandidateFilter:
    q: str = ""
    major: str = ""
    level: str = ""
    include_done: bool = False


def candidates(user: User, filters: CandidateFilter) -> QuerySet[StudentRecord]:
    """The school's records to register: 注册学籍 and not registered yet, unless asked for all."""
    query = registrable_records(user).annotate(
        registered=Exists(DiplomaRecord.objects.filter(record=OuterRef("pk")))
    )
    if not filters.include_done:
        query = query.filter(status=RecordStatus.REGISTERED, registered=False)
    if filters.q:
        query = query.filter(Q(student_no=filters.q) | Q(name=filters.q))
    if filters.major:
        query = query.filter(major=filters.major)
    if filters.level:
        query = query.filter(level=filters.level)
    return query.select_related("school", "learning_centre").order_by("student_no")


def diplomas_of_school(user: User, q: str = "") -> QuerySet[DiplomaRecord]:
    query = diplomas_visible_to(user)
    if q:
        query = query.filter(Q(certificate_no=q) | Q(record__student_no=q) | Q(name=q))
    return query.order_by("-registered_at", "-id")


@dataclass
class DiplomaCard:
    """学历信息 of one diploma, with the graduate's reports and their state now."""

    diploma: DiplomaRecord
    published: bool
    reports: list[tuple[VerificationReport, str, bool]] = field(
        default_factory=list
    )  # report, state, extendable


def diploma_cards_for_student(user: User) -> list[DiplomaCard]:
    from .reports import can_extend

    now, today = clock.now(), clock.today()
    reports: dict[int, list[VerificationReport]] = {}
    for report in reports_of_student(user).prefetch_related("extensions"):
        reports.setdefault(report.diploma_id, []).append(report)
    cards = []
    for diploma in diplomas_visible_to(user).order_by("-graduated_on", "pk"):
        card = DiplomaCard(diploma=diploma, published=diploma.is_published(today))
        card.reports = [(r, r.state_at(now), can_extend(r, now)) for r in reports.get(diploma.pk, [])]
        cards.append(card)
    return cards
