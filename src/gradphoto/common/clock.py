"""Every business window is computed here (STYLE.md "Time"); UTC stored, Asia/Shanghai reasoned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gradphoto.common.conf import rule

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in Asia/Shanghai (PRODUCT.md decision 12)."""
    return timezone.localdate(now())


def local_day_start(moment: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(moment or now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def verdict_window() -> dt.timedelta:
    """The self-correction window after a first verdict (PRODUCT.md decision 2, DOMAIN BR-E7)."""
    return dt.timedelta(hours=rule("VERDICT_WINDOW_HOURS"))


def study_years(enrolled_on: dt.date, on: dt.date | None = None) -> Decimal:
    """Length of study = today − 入学日期, in years with two decimals (PRODUCT.md decision 3)."""
    days = ((on or today()) - enrolled_on).days
    return (Decimal(days) / Decimal("365.25")).quantize(Decimal("0.01"))


def threshold_date(enrolled_on: dt.date, threshold_years: Decimal) -> dt.date:
    """The day the length of study reaches the threshold (2.5 years = 2 years and 6 months)."""
    whole = int(threshold_years)
    months = int((threshold_years - whole) * 12)
    year = enrolled_on.year + whole + (enrolled_on.month - 1 + months) // 12
    month = (enrolled_on.month - 1 + months) % 12 + 1
    return dt.date(year, month, min(enrolled_on.day, _days_in_month(year, month)))


def exceeds_threshold(enrolled_on: dt.date, threshold_years: Decimal, on: dt.date | None = None) -> bool:
    """Strictly greater than the threshold: on the anniversary itself it does not exceed yet."""
    return (on or today()) > threshold_date(enrolled_on, threshold_years)


def _days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day
