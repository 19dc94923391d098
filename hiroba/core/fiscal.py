"""Japanese fiscal years (年度) run from 1 April to 31 March. Django-free: the rule engine uses it too."""

from __future__ import annotations

from datetime import date

APRIL = 4


def fiscal_year(day: date) -> int:
    """The fiscal year holding `day`, named by the year it starts in: 2026-03-31 belongs to FY2025."""
    return day.year if day.month >= APRIL else day.year - 1


def fiscal_year_start(day: date) -> date:
    """1 April of the fiscal year holding `day`."""
    return date(fiscal_year(day), APRIL, 1)


def fiscal_year_end(day: date) -> date:
    """31 March ending the fiscal year holding `day`."""
    return date(fiscal_year(day) + 1, 3, 31)
