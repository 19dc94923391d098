"""Pure evaluation of a `Rule` over one resident's daily facts.

`award_for_day` says what to grant now for one day; `awards_due` does it for every day still open in the
late-sync window, for the daily award run; `simulate` runs a rule over past days for many residents, for the
staff editor; `points_lapse_on` gives the expiry of the points granted for a day.

The choices the rule document leaves open:

- Days are local dates. A fiscal year runs from 1 April to 31 March. Points are integers, never negative.
- **Age.** Only the birth year and month are known, so the birthday counts as the 1st of the birth month:
  a resident born in May 1960 uses the 65+ tiers from 2025-05-01.
- **Step points.** The highest tier reached by the day's step figure, for the resident's age on that day.
  A day *qualifies* when it earns step points.
- **Streak.** A run is a stretch of consecutive qualifying days inside one fiscal year (1 April starts a new run).
  The bonus is due on each day whose place in its run is a multiple of `days` (day N, 2N, 3N …), as long as the
  run holds fewer streak grants on its other days than it has such milestones. So late data that joins or extends
  runs never makes a run pay more than `length // days` bonuses.
- **First participation.** Once per resident: due on a qualifying day when no first-participation grant exists
  on any other day. Evaluated in date order, that is the first qualifying day evaluated while a rule offers the
  bonus; a resident who qualified before the bonus existed receives it once, on their next qualifying day.
- **Checkup bonus.** For each kind the rule rewards: due on a day with a checkup of that kind when no grant for
  that kind exists on another day of the same fiscal year.
- **Caps.** `daily` limits the day's step and streak points together; `monthly` and `fiscal_year` limit all points
  granted for days in that calendar month or fiscal year, counting every earlier grant whatever the rule version.
  When a cap binds, components are served in `COMPONENTS` order (steps, streak, first participation, checkups in
  `CHECKUP_KINDS` order); what does not fit is dropped, not carried over.
- **Window.** Only completed days are awarded. A day is first evaluated by the run of the next day, and again by
  each run for `late_sync_days` more days; data that arrives after that never counts for it.
- **Differences.** A day's award is, per component, what is due now minus what was already granted for that day,
  fitted into the caps left after every grant. Nothing is ever taken back here: if corrected data now earns less,
  the award is zero and the earlier grant stands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise

from hiroba.core.fiscal import fiscal_year_end, fiscal_year_start
from hiroba.health.rules.document import CHECKUP_KINDS, MAX_LATE_SYNC_DAYS, Rule

STEPS = "steps"
STREAK = "streak"
FIRST_PARTICIPATION = "first_participation"


def checkup_component(kind: str) -> str:
    """The component key of a checkup bonus: `checkup:tokutei`."""
    return f"checkup:{kind}"


COMPONENTS = (STEPS, STREAK, FIRST_PARTICIPATION, *(checkup_component(kind) for kind in CHECKUP_KINDS))
"""Every component key, in the order caps serve them."""
_DAILY_CAPPED = (STEPS, STREAK)


def age_on(day: date, *, birth_year: int, birth_month: int) -> int:
    """Age in whole years on `day`, taking the 1st of the birth month as the birthday."""
    return day.year - birth_year - (1 if day.month < birth_month else 0)


def points_lapse_on(rule: Rule, *, day: date) -> date | None:
    """The last day on which points earned for `day` can be used: 31 March of its fiscal year when the rule lapses
    points at the year's end, else `None`. Points for a day of a year that has ended when they are granted (late
    data across 1 April) are therefore already lapsed; the caller decides whether to post them."""
    return fiscal_year_end(day) if rule.lapse_at_fiscal_year_end else None


@dataclass(frozen=True, slots=True)
class Checkup:
    """A checkup of `kind` (one of `CHECKUP_KINDS`) that counts for `day`: the bonus is granted for that day, belongs
    to its fiscal year and, like step data, is granted only while that day is open. A result that reaches Hiroba
    weeks after the checkup is passed with the day it arrived, which then also decides the fiscal year."""

    kind: str
    day: date


@dataclass(frozen=True, slots=True)
class History:
    """What the engine knows of one resident.

    `steps` holds each day's step figure (automatically recorded steps, sources already resolved); a missing day
    has none. `granted` holds, per day, the points already granted per component key, net of reversals: a day
    whose grant was reversed for fraud should also have its steps withheld, or it is granted again while open.

    Coverage: from the start of the fiscal year of the earliest day evaluated up to the latest data, plus the
    first-participation grant wherever it lies. For `awards_due` the earliest day is
    `today - (MAX_LATE_SYNC_DAYS + 1)`; for `simulate` it is `first_day`.
    """

    birth_year: int
    birth_month: int
    steps: Mapping[date, int] = field(default_factory=dict)
    checkups: Sequence[Checkup] = ()
    granted: Mapping[date, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DayAward:
    """The points to grant now for `day`, per component key; only components with points, in `COMPONENTS` order."""

    day: date
    points: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.points.values())


@dataclass(frozen=True, slots=True)
class RuleVersion:
    """A version of a municipality's rule and the days it governs, both ends inclusive (`valid_until=None`: open)."""

    number: int
    valid_from: date
    valid_until: date | None
    rule: Rule

    def __post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"rule version {self.number} ends before it starts")

    def governs(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class DueAward:
    """An award from `awards_due`, with the number of the rule version that governs its day."""

    version: int
    award: DayAward


@dataclass(frozen=True, slots=True)
class Simulation:
    """Points a rule would have granted from `first_day` to `last_day` (inclusive) across `residents` residents.

    `by_component` has every key of `COMPONENTS`; `by_day` has every day of the range; `earning_residents` counts
    the residents who would have received any points.
    """

    first_day: date
    last_day: date
    residents: int
    earning_residents: int
    by_component: Mapping[str, int]
    by_day: Mapping[date, int]

    @property
    def total(self) -> int:
        return sum(self.by_component.values())

    def cost_yen(self, *, coins_per_point_num: int, coins_per_point_den: int) -> int:
        """Yen (1 coin = 1 yen) the points become at the area's rate, floored once over the total: an upper bound,
        as each resident's conversion is floored on its own."""
        return self.total * coins_per_point_num // coins_per_point_den


class _Grants:
    """One resident's grants, indexed for the caps and the once-only bonuses; grows as a run grants more."""

    def __init__(self, granted: Mapping[date, Mapping[str, int]]) -> None:
        self._by_day: dict[date, dict[str, int]] = {}
        self._by_month: dict[tuple[int, int], int] = {}
        self._by_fiscal_year: dict[date, int] = {}
        self._days_with: dict[str, set[date]] = {}
        for day, points in granted.items():
            self.add(day, points)

    def add(self, day: date, points: Mapping[str, int]) -> None:
        on_day = self._by_day.setdefault(day, {})
        total = 0
        for component, amount in points.items():
            on_day[component] = on_day.get(component, 0) + amount
            total += amount
            if on_day[component] > 0:
                self._days_with.setdefault(component, set()).add(day)
        month = (day.year, day.month)
        self._by_month[month] = self._by_month.get(month, 0) + total
        year = fiscal_year_start(day)
        self._by_fiscal_year[year] = self._by_fiscal_year.get(year, 0) + total

    def on(self, day: date) -> Mapping[str, int]:
        return self._by_day.get(day, {})

    def in_month(self, day: date) -> int:
        return self._by_month.get((day.year, day.month), 0)

    def in_fiscal_year(self, day: date) -> int:
        return self._by_fiscal_year.get(fiscal_year_start(day), 0)

    def days_with(self, component: str, *, first: date, last: date, besides: date) -> int:
        """How many days from `first` to `last`, other than `besides`, hold a grant of `component`."""
        return sum(1 for day in self._days_with.get(component, ()) if first <= day <= last and day != besides)


class _Resident:
    """One resident's days under one rule, computed once: step points, streak runs and checkups per day."""

    def __init__(self, rule: Rule, history: History) -> None:
        self.rule = rule
        self.step_points: dict[date, int] = {}
        for day, steps in history.steps.items():
            tiers = rule.tiers_for_age(age_on(day, birth_year=history.birth_year, birth_month=history.birth_month))
            points = max((tier.points for tier in tiers if steps >= tier.min_steps), default=0)
            if points:
                self.step_points[day] = points
        self.runs: dict[date, tuple[date, date]] = {}
        if rule.streak is not None:
            for run in self._runs():
                for day in run:
                    self.runs[day] = (run[0], run[-1])
        self.checkups: dict[date, set[str]] = {}
        for checkup in history.checkups:
            self.checkups.setdefault(checkup.day, set()).add(checkup.kind)

    def _runs(self) -> Iterator[list[date]]:
        run: list[date] = []
        for day in sorted(self.step_points):
            if run and day - run[-1] == timedelta(days=1) and day != fiscal_year_start(day):
                run.append(day)
            else:
                if run:
                    yield run
                run = [day]
        if run:
            yield run

    def entitlement(self, day: date, grants: _Grants) -> dict[str, int]:
        """The points due for `day` before caps, given the grants on other days."""
        rule = self.rule
        due: dict[str, int] = {}
        if day in self.step_points:
            due[STEPS] = self.step_points[day]
            if rule.streak is not None:
                first, last = self.runs[day]
                place = (day - first).days + 1
                milestones = ((last - first).days + 1) // rule.streak.days
                granted = grants.days_with(STREAK, first=first, last=last, besides=day)
                if place % rule.streak.days == 0 and granted < milestones:
                    due[STREAK] = rule.streak.points
            if rule.first_participation_points is not None and not grants.days_with(
                FIRST_PARTICIPATION, first=date.min, last=date.max, besides=day
            ):
                due[FIRST_PARTICIPATION] = rule.first_participation_points
        kinds = self.checkups.get(day, set())
        for kind, bonus in rule.checkup_bonus:
            component = checkup_component(kind)
            first, last = fiscal_year_start(day), fiscal_year_end(day)
            if kind in kinds and not grants.days_with(component, first=first, last=last, besides=day):
                due[component] = bonus
        return due


def _room(cap: int | None, used: int, unlimited: int) -> int:
    return unlimited if cap is None else max(cap - used, 0)


def _award(resident: _Resident, grants: _Grants, day: date) -> DayAward:
    already = grants.on(day)
    due = resident.entitlement(day, grants)
    wanted = {c: due[c] - already.get(c, 0) for c in COMPONENTS if due.get(c, 0) > already.get(c, 0)}
    caps = resident.rule.caps
    unlimited = sum(wanted.values())
    daily_room = _room(caps.daily, sum(already.get(c, 0) for c in _DAILY_CAPPED), unlimited)
    room = min(
        _room(caps.monthly, grants.in_month(day), unlimited),
        _room(caps.fiscal_year, grants.in_fiscal_year(day), unlimited),
    )
    points: dict[str, int] = {}
    for component, want in wanted.items():
        give = min(want, room, daily_room) if component in _DAILY_CAPPED else min(want, room)
        if give > 0:
            points[component] = give
            room -= give
            if component in _DAILY_CAPPED:
                daily_room -= give
    return DayAward(day, points)


def award_for_day(rule: Rule, history: History, *, day: date) -> DayAward:
    """What to grant now for `day`: per component, what is due minus what `history.granted` already holds for
    that day, within the caps left by every grant. For a day with no grant yet, that is the day's whole award."""
    return _award(_Resident(rule, history), _Grants(history.granted), day)


@lru_cache(maxsize=16)
def _plan(versions: tuple[RuleVersion, ...], today: date) -> tuple[tuple[date, RuleVersion], ...]:
    """The days open on the run of `today`, oldest first, each with the version governing it (the same for every
    resident of a run, so it is worked out once)."""
    ordered = sorted(versions, key=lambda version: version.valid_from)
    for earlier, later in pairwise(ordered):
        if earlier.valid_until is None or earlier.valid_until >= later.valid_from:
            raise ValueError(f"rule versions {earlier.number} and {later.number} overlap")
    plan = []
    for days_ago in range(MAX_LATE_SYNC_DAYS + 1, 0, -1):
        day = today - timedelta(days=days_ago)
        version = next((version for version in ordered if version.governs(day)), None)
        if version is not None and days_ago <= version.rule.late_sync_days + 1:
            plan.append((day, version))
    return tuple(plan)


def awards_due(versions: Sequence[RuleVersion], history: History, *, today: date) -> list[DueAward]:
    """The awards to grant on the run of `today`, oldest day first; days with nothing to grant are left out.

    Only completed days are evaluated. A day is open on the runs of the next day and of the `late_sync_days`
    days after that, where `late_sync_days` is that of the version governing the day; a day no version governs
    earns nothing. Days are evaluated in date order, each seeing what the earlier ones grant in this run, so
    recording every returned award in `granted` makes a second run for the same `today` return nothing.

    Raises `ValueError` if two versions govern the same day.
    """
    plan = _plan(tuple(versions), today)
    grants = _Grants(history.granted)
    residents: dict[int, _Resident] = {}
    due: list[DueAward] = []
    for day, version in plan:
        if version.number not in residents:
            residents[version.number] = _Resident(version.rule, history)
        resident = residents[version.number]
        if day not in resident.step_points and day not in resident.checkups:
            continue  # nothing is ever due on a day without a qualifying figure or a checkup
        award = _award(resident, grants, day)
        if award.points:
            grants.add(day, award.points)
            due.append(DueAward(version.number, award))
    return due


def simulate(rule: Rule, histories: Sequence[History], *, first_day: date, last_day: date) -> Simulation:
    """What `rule` would have granted from `first_day` to `last_day`, as if it had governed those days and all the
    data now known had arrived on time. Each history's grants before `first_day` stand (they count towards the
    caps and the once-only bonuses); its grants from `first_day` on are set aside, as the rule replaces them.
    Running the current rule and a draft over the same histories compares the two."""
    if last_day < first_day:
        raise ValueError("the simulation ends before it starts")
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    by_component = dict.fromkeys(COMPONENTS, 0)
    by_day = dict.fromkeys(days, 0)
    earning = 0
    for history in histories:
        grants = _Grants({day: points for day, points in history.granted.items() if day < first_day})
        resident = _Resident(rule, history)
        earned = 0
        for day in days:
            award = _award(resident, grants, day)
            grants.add(day, award.points)
            for component, points in award.points.items():
                by_component[component] += points
            by_day[day] += award.total
            earned += award.total
        if earned:
            earning += 1
    return Simulation(first_day, last_day, len(histories), earning, by_component, by_day)
