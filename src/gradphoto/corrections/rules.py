"""Which application applies: from the verdict's reason, the study length, the record and the school.

DOMAIN.md §8 rows 2–4, 7, 11, 12 and BR-E5; PRODUCT.md decision 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from gradphoto.common.conf import rule
from gradphoto.records.models import RecordStatus
from gradphoto.verification.models import Verdict, WrongReason
from gradphoto.verification.selectors import Case, RecordCard

from .models import FormType

FEE_FORMS = {FormType.REPLACE_PHOTO, FormType.GRADUATED_UNLINKED, FormType.RECOLLECTION}


@dataclass(frozen=True)
class FormChoice:
    form_type: str
    why: str
    fee: Decimal


def _fee(card: RecordCard, form_type: str) -> Decimal:
    return card.record.school.photo_change_fee if form_type in FEE_FORMS else Decimal("0")


def _choice(card: RecordCard, form_type: str, why: str) -> FormChoice:
    return FormChoice(form_type, why, _fee(card, form_type))


def applicable_forms(card: RecordCard) -> list[FormChoice]:
    """The applications a student may report for this record now; empty when none applies."""
    if card.case == Case.EXCLUDED:
        return []
    if card.case == Case.GRADUATED_NO_PHOTO:
        return [_choice(card, FormType.GRADUATED_UNLINKED, _("You have graduated and no photo is linked."))]
    if card.case == Case.NO_PHOTO and card.record.status == RecordStatus.REGISTERED:
        return [
            _choice(
                card,
                FormType.FIX_IDENTITY,
                _("The name or ID number typed at your collection was wrong, so the photo cannot link."),
            )
        ]
    conclusion = card.conclusion
    if conclusion is None:
        return []
    choices = []
    if conclusion.verdict == Verdict.WRONG:
        choices.append(_wrong_photo_choice(card, conclusion.wrong_reason))
    if card.case == Case.VERDICT_LOCKED:
        choices.append(
            _choice(
                card,
                FormType.DELETE_VERDICT,
                _("Your verdict is locked after %(h)s hours; the university can delete it.")
                % {"h": rule("VERDICT_WINDOW_HOURS")},
            )
        )
    return choices


def _wrong_photo_choice(card: RecordCard, reason: str) -> FormChoice:
    study = card.study
    assert study is not None
    if reason == WrongReason.SWAPPED:
        return _choice(card, FormType.SWAP, _("Your photo was swapped with another student's."))
    if reason == WrongReason.STATUS_DATA:
        return _choice(card, FormType.STATUS_ERRATUM, _("Your status data is wrong."))
    if not study.applies or study.exceeds:
        return _choice(
            card,
            FormType.REPLACE_PHOTO,
            _(
                "Wrong photo, not swapped, and your length of study (%(years)s years) is above your school's "
                "threshold or the threshold does not apply: the university replaces the photo."
            )
            % {"years": study.years},
        )
    return _choice(
        card,
        FormType.RECOLLECTION,
        _(
            "Wrong photo, not swapped, and your length of study (%(years)s years) is not above %(threshold)s "
            "years: you may be photographed again (or wait until after %(date)s and then apply for Form B)."
        )
        % {"years": study.years, "threshold": study.threshold, "date": study.exceeds_after},
    )
