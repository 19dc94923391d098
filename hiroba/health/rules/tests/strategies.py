"""Hypothesis strategies: valid rules, resident histories, and data that reaches Hiroba over several days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import strategies as st

from hiroba.health.rules import CHECKUP_KINDS, Caps, Checkup, History, Rule, StepTier, Streak
from hiroba.health.rules.document import MAX_LATE_SYNC_DAYS, MAX_POINTS, MAX_STEPS, MAX_STREAK_DAYS, MAX_TIERS

BUSY_STEPS = 12_000
"""Step figures in generated histories go up to here; generated evaluation rules set tiers below it."""


@st.composite
def step_tiers(draw: st.DrawFn, *, min_size: int, max_steps: int, max_points: int) -> tuple[StepTier, ...]:
    size = draw(st.integers(min_size, min(MAX_TIERS, 5)))
    steps = sorted(draw(st.sets(st.integers(1, max_steps), min_size=size, max_size=size)))
    points = sorted(draw(st.sets(st.integers(1, max_points), min_size=size, max_size=size)))
    return tuple(StepTier(min_steps, tier_points) for min_steps, tier_points in zip(steps, points, strict=True))


@st.composite
def caps(draw: st.DrawFn, *, max_points: int) -> Caps:
    """Any subset of the three caps, always daily ≤ monthly ≤ fiscal year."""
    values = sorted(draw(st.lists(st.integers(1, max_points), min_size=3, max_size=3)))
    kept = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    daily, monthly, fiscal_year = (value if keep else None for value, keep in zip(values, kept, strict=True))
    return Caps(daily=daily, monthly=monthly, fiscal_year=fiscal_year)


@st.composite
def rules(draw: st.DrawFn, *, full_range: bool = False, with_caps: bool = True) -> Rule:
    """Valid rules. `full_range` draws from every allowed value (for the document round trip); otherwise values
    are small, so that caps bind, streaks complete and windows overlap within a few weeks of data."""
    max_steps = MAX_STEPS if full_range else BUSY_STEPS
    max_points = MAX_POINTS if full_range else 30
    tiers = {"min_size": 0, "max_steps": max_steps, "max_points": max_points}
    kinds = draw(st.lists(st.sampled_from(CHECKUP_KINDS), unique=True))
    bonus = tuple((kind, draw(st.integers(1, max_points))) for kind in CHECKUP_KINDS if kind in kinds)
    streak_days = st.integers(2, MAX_STREAK_DAYS if full_range else 5)
    return Rule(
        step_tiers=draw(step_tiers(**tiers)),
        step_tiers_65=draw(st.none() | step_tiers(**{**tiers, "min_size": 1})),
        caps=draw(caps(max_points=MAX_POINTS if full_range else 300)) if with_caps else Caps(),
        checkup_bonus=bonus,
        lapse_at_fiscal_year_end=draw(st.booleans()),
        streak=draw(st.none() | st.builds(Streak, days=streak_days, points=st.integers(1, max_points))),
        first_participation_points=draw(st.none() | st.integers(1, max_points)),
        late_sync_days=draw(st.integers(0, MAX_LATE_SYNC_DAYS if full_range else 5)),
    )


def birth_year_months(near: date) -> st.SearchStrategy[tuple[int, int]]:
    """Mostly residents who turn 65 around `near`, so both tier lists are used."""
    years = st.integers(near.year - 66, near.year - 64) | st.integers(near.year - 90, near.year - 20)
    return st.tuples(years, st.integers(1, 12))


def periods() -> st.SearchStrategy[tuple[date, int]]:
    """A first day and a length in days, often crossing a month end and 1 April."""
    return st.tuples(st.dates(date(2025, 2, 20), date(2025, 4, 10)), st.integers(5, 45))


@dataclass(frozen=True, slots=True)
class Delivery:
    """Data about `day` that reaches Hiroba on `arrives`: runs after that day see it. `steps` replaces the day's
    figure; `checkup` adds a checkup of that kind."""

    arrives: date
    day: date
    steps: int | None = None
    checkup: str | None = None


@st.composite
def deliveries(draw: st.DrawFn, *, first_day: date, days: int, latest: int, growing: bool) -> list[Delivery]:
    """Step figures and checkups for each day of the period, each arriving 0..`latest` days after its day.
    With `growing`, later deliveries for a day never lower its figure (more syncs of the same day); without,
    a later figure may be lower (a correction)."""
    out: list[Delivery] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        delays = sorted(draw(st.lists(st.integers(0, latest), max_size=3)))
        figures = draw(st.lists(st.integers(0, BUSY_STEPS), min_size=len(delays), max_size=len(delays)))
        if growing:
            figures.sort()
        out += [Delivery(day + timedelta(days=d), day, steps=s) for d, s in zip(delays, figures, strict=True)]
        if draw(st.integers(0, 9)) == 0:
            kind = draw(st.sampled_from(CHECKUP_KINDS))
            out.append(Delivery(day + timedelta(days=draw(st.integers(0, latest))), day, checkup=kind))
    return out


def history_seen(
    delivered: list[Delivery], *, before: date, birth: tuple[int, int], granted: dict[date, dict[str, int]]
) -> History:
    """The history as known on the run of `before`: deliveries that arrived earlier, the latest figure winning."""
    steps: dict[date, int] = {}
    checkups: list[Checkup] = []
    for delivery in sorted(delivered, key=lambda d: d.arrives):
        if delivery.arrives >= before:
            break
        if delivery.steps is not None:
            steps[delivery.day] = delivery.steps
        if delivery.checkup is not None:
            checkups.append(Checkup(delivery.checkup, delivery.day))
    return History(birth[0], birth[1], steps=steps, checkups=checkups, granted=granted)
