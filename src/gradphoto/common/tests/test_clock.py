"""The 2.5-year rule (PRODUCT.md decision 3).

Length of study = today − 入学日期; "exceeds" means strictly greater.

Pure date arithmetic: no database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradphoto.common.clock import exceeds_threshold, study_years, threshold_date

D = dt.date
TWO_AND_A_HALF = Decimal("2.5")


def test_threshold_date_2_5_years() -> None:
    assert threshold_date(D(2024, 3, 1), TWO_AND_A_HALF) == D(2026, 9, 1)
    assert threshold_date(D(2024, 9, 1), TWO_AND_A_HALF) == D(2027, 3, 1)


def test_on_threshold_date_does_not_exceed() -> None:
    assert not exceeds_threshold(D(2024, 3, 1), TWO_AND_A_HALF, on=D(2026, 9, 1))


def test_day_after_threshold_exceeds() -> None:
    assert exceeds_threshold(D(2024, 3, 1), TWO_AND_A_HALF, on=D(2026, 9, 2))


def test_before_threshold_does_not_exceed() -> None:
    assert not exceeds_threshold(D(2024, 3, 1), TWO_AND_A_HALF, on=D(2026, 8, 31))
    assert not exceeds_threshold(D(2024, 3, 1), TWO_AND_A_HALF, on=D(2024, 3, 1))


@pytest.mark.parametrize(
    ("enrolled", "threshold", "expected"),
    [
        (D(2024, 8, 31), Decimal("2.5"), D(2027, 2, 28)),  # month end, non-leap February
        (D(2025, 8, 31), Decimal("2.5"), D(2028, 2, 29)),  # month end, leap February
        (D(2024, 3, 31), Decimal("2.5"), D(2026, 9, 30)),  # 30-day month
        (D(2024, 12, 31), Decimal("2.5"), D(2027, 6, 30)),
        (D(2024, 7, 15), Decimal("2.5"), D(2027, 1, 15)),  # crosses the year boundary
        (D(2024, 2, 29), Decimal("3"), D(2027, 2, 28)),  # leap day, whole years
        (D(2024, 2, 29), Decimal("2"), D(2026, 2, 28)),
        (D(2024, 2, 29), Decimal("4"), D(2028, 2, 29)),
        (D(2024, 3, 1), Decimal("3"), D(2027, 3, 1)),
        (D(2024, 3, 1), Decimal("2"), D(2026, 3, 1)),
        (D(2024, 9, 1), Decimal("3"), D(2027, 9, 1)),
        (D(2024, 9, 1), Decimal("2.0"), D(2026, 9, 1)),
        (D(2024, 1, 31), Decimal("0.5"), D(2024, 7, 31)),
        (D(2024, 12, 1), Decimal("0.5"), D(2025, 6, 1)),
    ],
)
def test_threshold_date_table(enrolled: dt.date, threshold: Decimal, expected: dt.date) -> None:
    assert threshold_date(enrolled, threshold) == expected


def test_month_end_exceeds_boundary() -> None:
    enrolled = D(2024, 8, 31)
    assert not exceeds_threshold(enrolled, TWO_AND_A_HALF, on=D(2027, 2, 28))
    assert exceeds_threshold(enrolled, TWO_AND_A_HALF, on=D(2027, 3, 1))


@pytest.mark.parametrize("threshold", [Decimal("2"), Decimal("3")])
def test_whole_year_thresholds_boundary(threshold: Decimal) -> None:
    enrolled = D(2024, 3, 1)
    anniversary = D(2024 + int(threshold), 3, 1)
    assert threshold_date(enrolled, threshold) == anniversary
    assert not exceeds_threshold(enrolled, threshold, on=anniversary)
    assert exceeds_threshold(enrolled, threshold, on=anniversary + dt.timedelta(days=1))
    assert not exceeds_threshold(enrolled, threshold, on=anniversary - dt.timedelta(days=1))


def test_larger_threshold_is_later() -> None:
    enrolled = D(2024, 3, 1)
    on = D(2026, 9, 2)
    assert exceeds_threshold(enrolled, Decimal("2"), on=on)
    assert exceeds_threshold(enrolled, Decimal("2.5"), on=on)
    assert not exceeds_threshold(enrolled, Decimal("3"), on=on)


@given(
    st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31)),
    st.sampled_from([Decimal("2"), Decimal("2.5"), Decimal("3"), Decimal("0.5"), Decimal("5")]),
)
def test_exceeds_exactly_after_threshold_date(enrolled: dt.date, threshold: Decimal) -> None:
    boundary = threshold_date(enrolled, threshold)
    assert boundary > enrolled
    assert not exceeds_threshold(enrolled, threshold, on=boundary)
    assert exceeds_threshold(enrolled, threshold, on=boundary + dt.timedelta(days=1))
    # the day of month is kept unless the target month is too short
    assert boundary.day == enrolled.day or boundary.day < enrolled.day


# --- study_years ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrolled", "on", "years"),
    [
        (D(2024, 3, 1), D(2024, 3, 1), Decimal("0.00")),
        (D(2024, 3, 1), D(2026, 9, 1), Decimal("2.50")),  # 914 days
        (D(2024, 3, 1), D(2026, 9, 2), Decimal("2.51")),  # 915 days
        (D(2023, 9, 1), D(2024, 9, 1), Decimal("1.00")),  # 366 days
        (D(2022, 9, 1), D(2025, 9, 1), Decimal("3.00")),  # 1096 days
        (D(2024, 9, 1), D(2024, 8, 31), Decimal("-0.00")),  # before enrolment: rounds to zero
    ],
)
def test_study_years(enrolled: dt.date, on: dt.date, years: Decimal) -> None:
    result = study_years(enrolled, on=on)
    assert result == years
    assert result.as_tuple().exponent == -2


def test_study_years_defaults_to_today() -> None:
    from gradphoto.common import clock

    enrolled = clock.today() - dt.timedelta(days=3653)  # 10 years incl. leap days, give or take one
    assert Decimal("9.99") <= study_years(enrolled) <= Decimal("10.01")
