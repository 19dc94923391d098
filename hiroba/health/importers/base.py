"""What every step importer yields, and the one error they raise.

An importer reduces raw samples to one `DayTotal` per (local date, source) as it streams, so nothing bigger than a
day's worth of counters is ever held. Choosing between sources of the same day (an iPhone and a watch that both
counted the same walk) is the caller's job, with `best_of_sources`, so that the rule is the same for every export.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


class ImportRefused(ValueError):
    """The file cannot be imported. `code` is machine-readable (`import.<reason>`); `ja` and `en` say why to a
    person; `where` names the line, record or archive member when known. Nothing of the file is kept."""

    def __init__(self, code: str, *, ja: str, en: str, where: str = "") -> None:
        super().__init__(f"{en} ({where})" if where else en)
        self.code = code
        self.ja = ja
        self.en = en
        self.where = where


@dataclass(frozen=True, slots=True)
class DayTotal:
    """Steps counted on one local date by one source (a device or an app).

    `steps` counts only automatically recorded samples; `manual_steps` counts samples the person typed in, which
    never earn points but are kept so that the resident sees them. `max_per_minute` is the highest rate of any single
    sample that day (steps divided by the sample's minutes), for the fraud rules.
    """

    day: date
    source: str
    steps: int
    manual_steps: int = 0
    max_per_minute: float = 0.0


@dataclass(frozen=True, slots=True)
class DayChoice:
    """The day's figure after overlapping sources are resolved: the largest single source, never the sum."""

    day: date
    steps: int
    source: str
    manual_steps: int
    max_per_minute: float


def best_of_sources(totals: Iterable[DayTotal]) -> list[DayChoice]:
    """Per day, the source with the most automatically recorded steps (ties: the source name, for determinism).
    Two devices worn on the same walk both count it, so summing them would double the day."""
    best: dict[date, DayTotal] = {}
    manual: dict[date, int] = {}
    rate: dict[date, float] = {}
    for total in totals:
        current = best.get(total.day)
        if current is None or (total.steps, total.source) > (current.steps, current.source):
            best[total.day] = total
        manual[total.day] = max(manual.get(total.day, 0), total.manual_steps)
        rate[total.day] = max(rate.get(total.day, 0.0), total.max_per_minute)
    return [DayChoice(day, chosen.steps, chosen.source, manual[day], rate[day]) for day, chosen in sorted(best.items())]
