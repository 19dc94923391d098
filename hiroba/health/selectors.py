"""Reads of the health app: a resident's own activity, and for a town's health staff the rules, a draft rule's
simulation and the days held for review. Staff reads refuse anyone who is not health or administration staff of
that town: another town's staff get the same refusal as a stranger."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Q, QuerySet, Sum

from hiroba.core.fiscal import fiscal_year
from hiroba.health import rules
from hiroba.health.models import Award, CheckupRecord, DayStatus, Partner, RuleVersion, StepDay
from hiroba.health.refusals import rule_check
from hiroba.health.sources import CONSENT_PREFIX, SOURCES, consent_purpose
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.identity.selectors import consents_active
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import Municipality, Role
from hiroba.tenancy.selectors import StaffScope, municipalities_listed
from hiroba.wallet.selectors import budget_left, conversion_rate

log = logging.getLogger(__name__)

HEALTH_ROLES = (Role.HEALTH, Role.ADMIN)
SIMULATION_DAYS = 28


def town_require(scope: StaffScope, lg_code: str) -> None:
    """The town's health staff, or its administration staff."""
    if not any(scope.has(role, lg_code) for role in HEALTH_ROLES):
        log.warning("tenancy.forbidden", extra={"user_id": scope.user_id, "lg_code": lg_code, "page": "health"})
        raise tenancy_errors.forbidden(lg_code)


def rule_versions(municipality: Municipality) -> list[tuple[RuleVersion, rules.RuleVersion]]:
    """The town's versions in order, each governing until the day before the next one starts."""
    stored = list(RuleVersion.objects.filter(municipality=municipality).order_by("valid_from"))
    out = []
    for n, version in enumerate(stored):
        until = stored[n + 1].valid_from - timedelta(days=1) if n + 1 < len(stored) else None
        out.append(
            (version, rules.RuleVersion(version.number, version.valid_from, until, rules.parse_rule(version.document)))
        )
    return out


def histories(town: Municipality, residents: set[int], *, since: date, until: date) -> dict[int, rules.History]:
    """What the rule engine needs of each of `residents` (active residents of `town`): counted step figures (the
    largest origin of each day) and checkups from `since` to the day before `until`, and every grant from `since`
    plus any first-participation grant before it. Residents whose person was deleted have no birth month and are
    left out. Rows are selected by town and date, not by long lists of ids."""
    mine = Q(resident__municipality=town)
    people = {
        pk: (year, month)
        for pk, year, month in Resident.objects.filter(municipality=town, person__isnull=False).values_list(
            "pk", "person__birth_year", "person__birth_month"
        )
        if pk in residents
    }
    steps: dict[int, dict[date, int]] = defaultdict(dict)
    for resident_id, day, figure in (
        StepDay.objects.filter(mine, status=DayStatus.COUNTED, day__gte=since, day__lt=until)
        .values("resident_id", "day")
        .annotate(figure=Max("steps"))
        .values_list("resident_id", "day", "figure")
    ):
        if resident_id in people:
            steps[resident_id][day] = figure
    checkups: dict[int, list[rules.Checkup]] = defaultdict(list)
    for resident_id, kind, day in CheckupRecord.objects.filter(mine, day__gte=since, day__lt=until).values_list(
        "resident_id", "kind", "day"
    ):
        if resident_id in people:
            checkups[resident_id].append(rules.Checkup(kind, day))
    granted: dict[int, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for resident_id, day, component, points in (
        Award.objects.filter(mine, Q(day__gte=since) | Q(component=rules.FIRST_PARTICIPATION))
        .values("resident_id", "day", "component")
        .annotate(points=Sum("points"))
        .values_list("resident_id", "day", "component", "points")
    ):
        if resident_id in people:
            granted[resident_id][day][component] = points
    return {
        pk: rules.History(
            birth_year=year,
            birth_month=month,
            steps=steps[pk],
            checkups=tuple(checkups[pk]),
            granted={day: dict(points) for day, points in granted[pk].items()},
        )
        for pk, (year, month) in people.items()
    }


def counter_require(scope: StaffScope, lg_code: str) -> None:
    """Counter staff enter paper logs; the town's health and administration staff may too."""
    if not any(scope.has(role, lg_code) for role in (Role.COUNTER, *HEALTH_ROLES)):
        log.warning("tenancy.forbidden", extra={"user_id": scope.user_id, "lg_code": lg_code, "page": "health"})
        raise tenancy_errors.forbidden(lg_code)


# ---------------------------------------------------------------- the resident's own


@dataclass(frozen=True)
class ActivityDay:
    day: date
    steps: int | None  # the day's figure (largest origin), None when no data
    status: str  # "counted", "held", "rejected" or "" without data
    points: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.points.values())


@dataclass(frozen=True)
class Activity:
    days: list[ActivityDay]  # newest first
    checkups: list[tuple[date, str]]
    consents: dict[str, bool]
    most_steps: int


def resident_activity(*, resident: Resident, today: date, days: int = 28) -> Activity:
    """The last `days` days (today included): steps, review status and points per component, plus checkups and
    which sources the resident has consented to."""
    first = today - timedelta(days=days - 1)
    figures: dict[date, tuple[int, str]] = {}
    for row in StepDay.objects.filter(resident=resident, day__gte=first, day__lte=today).order_by("day", "-steps"):
        if row.day not in figures:  # the largest origin of the day decides, as in the award run
            figures[row.day] = (row.steps, row.status)
    points: dict[date, dict[str, int]] = defaultdict(dict)
    for day, component, total in (
        Award.objects.filter(resident=resident, day__gte=first, day__lte=today)
        .values("day", "component")
        .annotate(total=Sum("points"))
        .values_list("day", "component", "total")
    ):
        points[day][component] = total
    rows = [
        ActivityDay(
            day=day,
            steps=figures[day][0] if day in figures else None,
            status=figures[day][1] if day in figures else "",
            points=points.get(day, {}),
        )
        for day in (today - timedelta(days=n) for n in range(days))
    ]
    active = {purpose for _, purpose in consents_active(resident_ids=[resident.pk], prefix=CONSENT_PREFIX)}
    return Activity(
        days=rows,
        checkups=list(CheckupRecord.objects.filter(resident=resident).order_by("-day").values_list("day", "kind")),
        consents={source: consent_purpose(source) in active for source in SOURCES},
        most_steps=max((steps for steps, _ in figures.values()), default=0),
    )


def town_partners(*, lg_code: str) -> list[Partner]:
    """The partner services a town's residents can link (names only reach the page)."""
    return list(Partner.objects.filter(municipality_id=lg_code, active=True).order_by("name").only("slug", "name"))


# ---------------------------------------------------------------- a town's health staff


def town_rules(*, scope: StaffScope, lg_code: str) -> list[RuleVersion]:
    town_require(scope, lg_code)
    return list(RuleVersion.objects.filter(municipality_id=lg_code).order_by("-valid_from"))


def held_days(*, scope: StaffScope, lg_code: str) -> QuerySet[StepDay]:
    """Days held for review in the town, oldest first, with the pairwise ID staff know the resident by."""
    town_require(scope, lg_code)
    return (
        StepDay.objects.filter(resident__municipality_id=lg_code, status=DayStatus.HELD)
        .select_related("resident")
        .order_by("day", "pk")
    )


@dataclass(frozen=True)
class RuleComparison:
    first_day: date
    last_day: date
    residents: int
    draft: rules.Simulation
    current: rules.Simulation | None
    coins_per_point: tuple[int, int]
    budget_left: int

    def cost(self, simulation: rules.Simulation | None) -> int | None:
        if simulation is None:
            return None
        num, den = self.coins_per_point
        return simulation.cost_yen(coins_per_point_num=num, coins_per_point_den=den)


def rule_simulate(
    *, scope: StaffScope, lg_code: str, document: object, today: date, days: int = SIMULATION_DAYS
) -> RuleComparison:
    """What a draft rule would have granted over the last `days` completed days of the town's real data, beside
    the rule in force on the last of them, priced at the area's rate against the budget left this fiscal year.
    Raises the same 422 as adopting it would when the draft is invalid."""
    town_require(scope, lg_code)
    draft = rule_check(document)
    town = Municipality.objects.select_related("currency_area").get(lg_code=lg_code)
    last = today - timedelta(days=1)
    first = today - timedelta(days=days)
    residents = set(
        Resident.objects.filter(municipality=town, status=ResidentStatus.ACTIVE).values_list("pk", flat=True)
    )
    people = list(histories(town, residents, since=rules.fiscal_year_start(first), until=today).values())
    current = next((engine for _, engine in reversed(rule_versions(town)) if engine.governs(last)), None)
    return RuleComparison(
        first_day=first,
        last_day=last,
        residents=len(people),
        draft=rules.simulate(draft, people, first_day=first, last_day=last),
        current=rules.simulate(current.rule, people, first_day=first, last_day=last) if current else None,
        coins_per_point=conversion_rate(area=town.currency_area),
        budget_left=budget_left(lg_code=lg_code, year=fiscal_year(today)),
    )


# ---------------------------------------------------------------- participation


AGE_BANDS = ((0, 39, "-39"), (40, 64, "40-64"), (65, 74, "65-74"), (75, 200, "75-"))
DASHBOARD_DAYS = 28
SMALL_GROUP = 10  # anonymous roll-ups show no group of fewer people


@dataclass(frozen=True)
class Dashboard:
    first_day: date
    last_day: date
    participants_by_age: list[tuple[str, int]]
    average_steps: list[tuple[date, int | None]]  # per day, over residents with a counted figure that day
    points_this_year: int
    cost_this_year: int
    budget_left: int


def _participants(lg_codes: list[str], first: date, last: date) -> dict[str, dict[int, tuple[int, int]]]:
    """Per town, per resident with counted data in the range: (birth year, birth month)."""
    out: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for lg, pk, year, month in (
        StepDay.objects.filter(
            resident__municipality_id__in=lg_codes, status=DayStatus.COUNTED, day__gte=first, day__lte=last
        )
        .exclude(resident__person__isnull=True)
        .values_list("resident__municipality_id", "resident_id", "resident__person__birth_year",
                     "resident__person__birth_month")
        .distinct()
    ):  # fmt: skip
        out[lg][pk] = (year, month)
    return out


def _average_steps(lg_codes: list[str], first: date, last: date) -> dict[str, dict[date, tuple[int, int]]]:
    """Per town and day: (sum of the residents' day figures, number of residents)."""
    figures: dict[tuple[str, date, int], int] = {}
    for lg, day, pk, steps in StepDay.objects.filter(
        resident__municipality_id__in=lg_codes, status=DayStatus.COUNTED, day__gte=first, day__lte=last
    ).values_list("resident__municipality_id", "day", "resident_id", "steps"):
        figures[(lg, day, pk)] = max(figures.get((lg, day, pk), 0), steps)
    out: dict[str, dict[date, tuple[int, int]]] = defaultdict(dict)
    for (lg, day, _), steps in figures.items():
        total, count = out[lg].get(day, (0, 0))
        out[lg][day] = (total + steps, count + 1)
    return out


def town_dashboard(*, scope: StaffScope, lg_code: str, today: date) -> Dashboard:
    """Participation in the town over the last four weeks, and the year's points against its budget."""
    town_require(scope, lg_code)
    first, last = today - timedelta(days=DASHBOARD_DAYS), today - timedelta(days=1)
    people = _participants([lg_code], first, last)[lg_code]
    ages = [rules.age_on(last, birth_year=year, birth_month=month) for year, month in people.values()]
    bands = [(label, sum(1 for age in ages if low <= age <= high)) for low, high, label in AGE_BANDS]
    sums = _average_steps([lg_code], first, last)[lg_code]
    days = [first + timedelta(days=n) for n in range(DASHBOARD_DAYS)]
    points = (
        Award.objects.filter(resident__municipality_id=lg_code, day__gte=rules.fiscal_year_start(today)).aggregate(
            total=Sum("points")
        )["total"]
        or 0
    )
    town = Municipality.objects.select_related("currency_area").get(lg_code=lg_code)
    num, den = conversion_rate(area=town.currency_area)
    return Dashboard(
        first_day=first,
        last_day=last,
        participants_by_age=bands,
        average_steps=[(day, sums[day][0] // sums[day][1] if day in sums else None) for day in days],
        points_this_year=points,
        cost_this_year=points * num // den,
        budget_left=budget_left(lg_code=lg_code, year=fiscal_year(today)),
    )


@dataclass(frozen=True)
class TownRollup:
    lg_code: str
    name: str
    participants: int | None  # None: fewer than SMALL_GROUP, not shown
    average_steps: int | None
    points_this_year: int | None


def agency_rollup(*, scope: StaffScope, today: date) -> list[TownRollup]:
    """The agency's anonymous view across municipalities: participants, average daily steps over the last four
    weeks and points granted this fiscal year, each town shown only when at least SMALL_GROUP residents took
    part (a small town's figures could point at a person)."""
    if not scope.is_agency:
        raise tenancy_errors.forbidden()
    first, last = today - timedelta(days=DASHBOARD_DAYS), today - timedelta(days=1)
    towns = list(municipalities_listed())
    codes = [t.lg_code for t in towns]
    people = _participants(codes, first, last)
    sums = _average_steps(codes, first, last)
    points = dict(
        Award.objects.filter(day__gte=rules.fiscal_year_start(today))
        .values_list("resident__municipality_id")
        .annotate(total=Sum("points"))
    )
    out = []
    for town in towns:
        count = len(people.get(town.lg_code, {}))
        shown = count >= SMALL_GROUP
        per_day = list(sums.get(town.lg_code, {}).values())
        total, days = sum(x for x, _ in per_day), sum(n for _, n in per_day)
        out.append(
            TownRollup(
                lg_code=town.lg_code,
                name=town.name,
                participants=count if shown else None,
                average_steps=total // days if shown and days else None,
                points_this_year=int(points.get(town.lg_code, 0)) if shown else None,
            )
        )
    return out
