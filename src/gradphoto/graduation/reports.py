"""Online verification reports (在线验证报告, DOMAIN.md §6.6, BR-H2/H3): apply, extend, revoke.

The code is a bearer secret: 16 characters of A–Z and 0–9 drawn with `secrets` (82 bits), never derived
from anything. It is stored so the graduate can read it again; lookups go through its sha256 and the
final comparison is constant-time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gradphoto.accounts.models import User
from gradphoto.audit.services import audit_record
from gradphoto.common import clock
from gradphoto.common.errors import Conflict, DomainError, NotAllowed, NotFound

from .access import diplomas_visible_to, reports_of_student
from .models import ReportExtension, ReportState, VerificationReport
from .rules import CODE_ALPHABET, CODE_LENGTH, extend_window, validity_options

CODE_RE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """Case-insensitive, spaces and dashes ignored (DOMAIN.md §10.2 [ENG])."""
    return re.sub(r"[\s\-]", "", raw).upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def find_report(code: str) -> VerificationReport | None:
    """The report of a well-formed code, compared in constant time; None otherwise."""
    if not CODE_RE.fullmatch(code):
        return None
    report = VerificationReport.objects.select_related("diploma").filter(code_hash=code_hash(code)).first()
    if report is None or not hmac.compare_digest(report.code.encode(), code.encode()):
        return None
    return report


def can_extend(report: VerificationReport, now: dt.datetime) -> bool:
    """§6.6: within one month before expiry, or after it; never a revoked report."""
    return report.revoked_at is None and now >= report.valid_until - extend_window()


def _check_days(days: int) -> None:
    if days not in validity_options():
        options = "/".join(str(d) for d in validity_options())
        raise DomainError(
            _("Choose a validity of %(options)s days.") % {"options": options}, code="bad_validity"
        )


@transaction.atomic
def report_create(*, student: User, diploma_id: int, validity_days: int) -> VerificationReport:
    """A graduate applies for a report of their own published diploma, with the validity they choose."""
    diploma = diplomas_visible_to(student).filter(pk=diploma_id, record__account=student).first()
    if diploma is None:
        raise NotFound(_("No such diploma."))
    if not diploma.is_published(clock.today()):
        raise NotAllowed(
            _("The diploma can be verified from its issue date %(date)s on.")
            % {"date": f"{diploma.graduated_on:%Y-%m-%d}"},
            code="not_published",
        )
    _check_days(validity_days)
    now = clock.now()
    for _attempt in range(3):
        code = new_code()
        try:
            with transaction.atomic():
                report = VerificationReport.objects.create(
                    diploma=diploma,
                    code=code,
                    code_hash=code_hash(code),
                    validity_days=validity_days,
                    created_by=student,
                    created_at=now,
                    valid_until=now + dt.timedelta(days=validity_days),
                )
        except IntegrityError:  # a collision of 82 random bits: draw again
            continue
        audit_record(
            actor=student,
            action="report.created",
            obj=report,
            after={"diploma": diploma.pk, "validity_days": validity_days, "valid_until": report.valid_until},
        )
        return report
    raise Conflict(_("Please try again."))


def _locked(student: User, report_id: int) -> VerificationReport:
    if not reports_of_student(student).filter(pk=report_id).exists():
        raise NotFound(_("No such report."))
    return VerificationReport.objects.select_for_update().get(pk=report_id)


@transaction.atomic
def report_extend(*, student: User, report_id: int, validity_days: int) -> VerificationReport:
    """延长验证有效期: valid again for the chosen days from now, only inside the extension window."""
    _check_days(validity_days)
    report, now = _locked(student, report_id), clock.now()
    if report.state_at(now) == ReportState.REVOKED:
        raise NotAllowed(_("A revoked report cannot be extended; apply for a new one."), code="revoked")
    if not can_extend(report, now):
        raise NotAllowed(
            _("A report can be extended from one month before it expires."), code="extend_too_early"
        )
    previous = report.valid_until
    report.valid_until = max(previous, now + dt.timedelta(days=validity_days))
    report.save(update_fields=["valid_until"])
    ReportExtension.objects.create(
        report=report,
        previous_until=previous,
        new_until=report.valid_until,
        days=validity_days,
        by=student,
        at=now,
    )
    audit_record(
        actor=student,
        action="report.extended",
        obj=report,
        before={"valid_until": previous},
        after={"valid_until": report.valid_until},
    )
    return report


@transaction.atomic
def report_revoke(*, student: User, report_id: int) -> VerificationReport:
    """The graduate withdraws a code they gave out; it never verifies again. Twice is a no-op."""
    report = _locked(student, report_id)
    if report.revoked_at is None:
        report.revoked_at = clock.now()
        report.save(update_fields=["revoked_at"])
        audit_record(
            actor=student, action="report.revoked", obj=report, after={"revoked_at": report.revoked_at}
        )
    return report
