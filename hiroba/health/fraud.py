"""Which step days are held for a person to look at before they earn points. Pure: the import service applies it.

A day is held, not refused: the figure is kept and shown to the resident, and health staff approve or reject it
with a reason. Paper logs entered by counter staff are attested at entry, so only the other rules hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MAX_STEPS_A_DAY = 50_000
MAX_STEPS_A_MINUTE = 250
SAME_TOTAL_DAYS = 7

OVER_DAY = "over_50000_steps"
OVER_RATE = "over_250_per_minute"
SAME_TOTAL = "same_total_7_days"
FUTURE = "future_date"
UNKNOWN_DEVICE = "unknown_device"
BY_PROXY = "entered_by_proxy"

REASONS = {
    OVER_DAY: ("1日の歩数が50,000歩を超えています。", "More than 50,000 steps in one day."),
    OVER_RATE: ("1分あたり250歩を超える記録があります。", "A record shows more than 250 steps a minute."),
    SAME_TOTAL: ("7日以上続けて同じ歩数です。", "The same total on 7 or more days in a row."),
    FUTURE: ("未来の日付です。", "The date is in the future."),
    UNKNOWN_DEVICE: ("記録した機器が分かりません。", "The recording device is unknown."),
    BY_PROXY: ("代理人が入力したデータです。", "Entered by a proxy."),
}


@dataclass(frozen=True, slots=True)
class DayFacts:
    day: date
    steps: int
    max_per_minute: int
    device_known: bool
    entered_by: str  # "resident", "staff", "proxy" or "partner"


def hold_reasons(facts: DayFacts, *, today: date, neighbours: Mapping[date, int]) -> list[str]:
    """The reasons to hold `facts`, in a fixed order; empty when the day counts. `neighbours` holds the same
    resident's step figures of nearby days (from the same origin), to find a total repeated 7 days running."""
    reasons: list[str] = []
    if facts.steps > MAX_STEPS_A_DAY:
        reasons.append(OVER_DAY)
    if facts.max_per_minute > MAX_STEPS_A_MINUTE:
        reasons.append(OVER_RATE)
    if facts.steps > 0 and _run_of_same(facts, neighbours) >= SAME_TOTAL_DAYS:
        reasons.append(SAME_TOTAL)
    if facts.day > today:
        reasons.append(FUTURE)
    if not facts.device_known and facts.entered_by not in {"staff", "partner"}:
        reasons.append(UNKNOWN_DEVICE)
    if facts.entered_by == "proxy":
        reasons.append(BY_PROXY)
    return reasons


def _run_of_same(facts: DayFacts, neighbours: Mapping[date, int]) -> int:
    """Length of the run of consecutive days with exactly `facts.steps` that passes through `facts.day`."""
    run = 1
    for step in (-1, 1):
        day = facts.day + timedelta(days=step)
        while neighbours.get(day) == facts.steps:
            run += 1
            day += timedelta(days=step)
    return run
