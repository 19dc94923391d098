"""Bank business days in Japan: when a transfer can be settled.

Banks are closed on Saturdays, Sundays, national holidays (国民の祝日, 振替休日 and 国民の休日, as
`jpholiday` computes them) and over the New Year from 12/31 to 1/3, which are not public holidays
except for 1/1 but are bank holidays under the Banking Act's order (銀行法施行令 第5条).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import jpholiday

__all__ = ["is_bank_business_day", "next_bank_business_day"]

_NEW_YEAR_CLOSURE = frozenset({(12, 31), (1, 1), (1, 2), (1, 3)})
_SATURDAY = 5
# The longest closure on record is ten days (2019-04-27 … 05-06); a month bounds the search with room to spare.
_MAX_SEARCH_DAYS = 31


def _calendar_day(day: date) -> date:
    if isinstance(day, datetime):
        raise TypeError("pass a calendar date, not a datetime: which day it is depends on the time zone")
    return day


def is_bank_business_day(day: date) -> bool:
    """Whether banks in Japan are open on `day`."""
    day = _calendar_day(day)
    if day.weekday() >= _SATURDAY or (day.month, day.day) in _NEW_YEAR_CLOSURE:
        return False
    return not jpholiday.is_holiday(day)


def next_bank_business_day(day: date, *, include_today: bool = False) -> date:
    """The first bank business day after `day`, or `day` itself if `include_today` and banks are open."""
    candidate = _calendar_day(day) if include_today else _calendar_day(day) + timedelta(days=1)
    for _ in range(_MAX_SEARCH_DAYS):
        if is_bank_business_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise AssertionError(f"no bank business day within {_MAX_SEARCH_DAYS} days of {day}")  # pragma: no cover
