"""Bank business days: weekends, national holidays (jpholiday) and the 12/31–1/3 closure."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.wallet.formats.bankdays import is_bank_business_day, next_bank_business_day


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 5, 1), True),  # Friday before Golden Week
        (date(2026, 5, 3), False),  # 憲法記念日, a Sunday
        (date(2026, 5, 4), False),  # みどりの日
        (date(2026, 5, 5), False),  # こどもの日
        (date(2026, 5, 6), False),  # 振替休日 for 5/3
        (date(2026, 5, 7), True),
        (date(2026, 4, 29), False),  # 昭和の日, a Wednesday
        (date(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2026, 11, 23), False),  # 勤労感謝の日, a Monday
        (date(2025, 12, 31), False),  # a Wednesday, closed by the Banking Act's order, not a public holiday
        (date(2025, 1, 2), False),  # a Thursday
        (date(2025, 1, 3), False),  # a Friday
        (date(2026, 1, 1), False),  # 元日
        (date(2026, 12, 30), True),  # the last business day of 2026
        (date(2026, 6, 6), False),  # a Saturday
        (date(2026, 6, 7), False),  # a Sunday
        (date(2026, 6, 8), True),  # an ordinary Monday
    ],
)
def test_is_bank_business_day(day: date, open_: bool) -> None:
    assert is_bank_business_day(day) is open_


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 5), date(2026, 6, 8)),  # Friday → Monday
        (date(2026, 11, 20), date(2026, 11, 24)),  # Friday → Tuesday: Monday is 勤労感謝の日
        (date(2026, 5, 1), date(2026, 5, 7)),  # Golden Week: 5/2 Sat … 5/6 振替休日
        (date(2026, 9, 18), date(2026, 9, 24)),  # Silver Week: 9/19 Sat … 9/23 秋分の日
        (date(2026, 12, 30), date(2027, 1, 4)),  # New Year closure, then the weekend
        (date(2026, 12, 31), date(2027, 1, 4)),
        (date(2026, 6, 8), date(2026, 6, 9)),  # a business day: the next one, not itself
    ],
)
def test_next_bank_business_day(day: date, expected: date) -> None:
    assert next_bank_business_day(day) == expected


def test_2027_01_04_is_a_monday() -> None:
    assert date(2027, 1, 4).isoweekday() == 1


def test_include_today_returns_an_open_day_itself() -> None:
    assert next_bank_business_day(date(2026, 6, 8), include_today=True) == date(2026, 6, 8)
    assert next_bank_business_day(date(2026, 5, 3), include_today=True) == date(2026, 5, 7)


def test_a_datetime_is_refused() -> None:
    with pytest.raises(TypeError):
        is_bank_business_day(datetime(2026, 6, 8, 9, 0))  # noqa: DTZ001 - the point is that it is refused
    with pytest.raises(TypeError):
        next_bank_business_day(datetime(2026, 6, 8, 9, 0))  # noqa: DTZ001


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@given(day=days, include_today=st.booleans())
def test_the_next_business_day_is_the_first_one(day: date, include_today: bool) -> None:
    result = next_bank_business_day(day, include_today=include_today)
    assert is_bank_business_day(result)
    assert result >= day if include_today else result > day
    assert (result == day) == (include_today and is_bank_business_day(day))
    between = day + timedelta(days=1)
    while between < result:
        assert not is_bank_business_day(between)
        between += timedelta(days=1)


def test_2026_has_the_business_days_a_calendar_gives() -> None:
    """365 days − 104 weekend days − 17 weekday holidays − 1/2 and 12/31.

    Of the 18 holidays of 2026 (jpholiday.year_holidays) only 憲法記念日 falls on a Sunday; 元日 is a Thursday,
    and 1/3 a Saturday.
    """
    year = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(365)]
    assert sum(day.weekday() >= 5 for day in year) == 104
    assert sum(map(is_bank_business_day, year)) == 365 - 104 - 17 - 2
