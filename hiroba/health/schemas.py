from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class DayOut(Schema):
    date: dt.date
    steps: int | None = Field(..., description="the day's figure (the largest source); null without data")
    status: str = Field(..., description="counted, held (being reviewed), rejected, or empty without data")
    points: dict[str, int] = Field(..., description="points granted for the day, by component")


class CheckupOut(Schema):
    date: dt.date
    kind: str


class ActivityOut(Schema):
    days: list[DayOut]
    checkups: list[CheckupOut]
    consents: dict[str, bool]


class ImportOut(Schema):
    imported: int = Field(..., description="days written (new or changed)")
    skipped: int = Field(..., description="days already known with the same figure")
    held: int = Field(..., description="days held for review (not an error)")


class BatchOut(Schema):
    days: int
    held: int
    unknown_users: int = Field(..., description="entries for users no resident has linked")
    no_consent: int


class HeldDayOut(Schema):
    id: int
    resident: str = Field(..., description="the pairwise ID the town knows the resident by")
    date: dt.date
    steps: int
    reasons: list[str]


class ReviewIn(Schema):
    approve: bool
    reason: str = Field(..., min_length=1, max_length=200)


class SimulateIn(Schema):
    document: dict[str, object] = Field(..., description="a rule document (see the rule schema)")
    days: int = Field(28, ge=1, le=92)


class SimulationOut(Schema):
    first_day: dt.date
    last_day: dt.date
    residents: int
    points: int
    earning_residents: int
    by_component: dict[str, int]
    cost_yen: int
    current_points: int | None
    current_cost_yen: int | None
    budget_left: int
