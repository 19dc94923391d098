"""Evaluation: each feature of the rule on hand-made days, then properties over random rules and late data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.health.rules import (
    COMPONENTS,
    FIRST_PARTICIPATION,
    STEPS,
    STREAK,
    Checkup,
    DayAward,
    DueAward,
    History,
    Rule,
    RuleVersion,
    age_on,
    award_for_day,
    awards_due,
    checkup_component,
    fiscal_year_end,
    fiscal_year_start,
    parse_rule,
    points_lapse_on,
    simulate,
)
from hiroba.health.rules.tests.strategies import (
    Delivery,
    birth_year_months,
    deliveries,
    history_seen,
    periods,
    rules,
)

TOKUTEI = checkup_component("tokutei")
GASTRIC = checkup_component("gastric")
BORN_1980 = (1980, 6)
BASE: dict[str, Any] = {
    "version": 1,
    "step_tiers": [
        {"min_steps": 2000, "points": 1},
        {"min_steps": 5000, "points": 3},
        {"min_steps": 8000, "points": 5},
    ],
    "step_tiers_65": [
        {"min_steps": 1000, "points": 1},
        {"min_steps": 4000, "points": 3},
        {"min_steps": 6000, "points": 5},
    ],
}

Granted = dict[date, dict[str, int]]


def rule_with(**changes: Any) -> Rule:
    return parse_rule({**BASE, **changes})


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def walked(first: date, last: date, steps: int = 8000) -> dict[date, int]:
    return dict.fromkeys(days(first, last), steps)


def award_each_day(rule: Rule, history: History, first: date, last: date) -> Granted:
    """Awards day by day with `award_for_day`, each recorded before the next; the points of each day that earned."""
    granted: Granted = {day: dict(points) for day, points in history.granted.items()}
    earned: Granted = {}
    for day in days(first, last):
        award = award_for_day(rule, replace(history, granted=granted), day=day)
        if award.points:
            record(granted, [award])
            earned[day] = dict(award.points)
    return earned


def record(granted: Granted, awards: Iterable[DayAward]) -> None:
    for award in awards:
        on_day = granted.setdefault(award.day, {})
        for component, points in award.points.items():
            on_day[component] = on_day.get(component, 0) + points


def run_daily(
    versions: Sequence[RuleVersion], delivered: list[Delivery], birth: tuple[int, int], runs: Iterable[date]
) -> tuple[Granted, list[DueAward]]:
    """The daily award run on each of `runs`, each seeing the data arrived before it and recording its awards."""
    granted: Granted = {}
    every: list[DueAward] = []
    for today in runs:
        due = awards_due(versions, history_seen(delivered, before=today, birth=birth, granted=granted), today=today)
        record(granted, (item.award for item in due))
        every += due
    return granted, every


def always(rule: Rule) -> list[RuleVersion]:
    return [RuleVersion(number=1, valid_from=date(2000, 4, 1), valid_until=None, rule=rule)]


# Dates


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2025, 4, 1), date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 1, 15), date(2025, 4, 1), date(2026, 3, 31)),
        (date(2025, 3, 31), date(2024, 4, 1), date(2025, 3, 31)),
    ],
)
def test_fiscal_years_run_april_to_march(day: date, start: date, end: date) -> None:
    assert fiscal_year_start(day) == start
    assert fiscal_year_end(day) == end


@pytest.mark.parametrize(
    ("day", "age"), [(date(2025, 4, 30), 64), (date(2025, 5, 1), 65), (date(2026, 4, 30), 65), (date(2026, 5, 1), 66)]
)
def test_age_counts_the_first_of_the_birth_month_as_the_birthday(day: date, age: int) -> None:
    assert age_on(day, birth_year=1960, birth_month=5) == age


@pytest.mark.parametrize(
    ("day", "lapses"),
    [
        (date(2025, 4, 1), date(2026, 3, 31)),
        (date(2026, 1, 10), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 3, 31)),
    ],
)
def test_points_lapse_at_the_end_of_their_days_fiscal_year_when_the_rule_says_so(day: date, lapses: date) -> None:
    assert points_lapse_on(rule_with(lapse_at_fiscal_year_end=True), day=day) == lapses
    assert points_lapse_on(rule_with(lapse_at_fiscal_year_end=False), day=day) is None


# Step tiers


@pytest.mark.parametrize(
    ("steps", "points"), [(0, 0), (1999, 0), (2000, 1), (4999, 1), (5000, 3), (7999, 3), (8000, 5), (40_000, 5)]
)
def test_the_highest_tier_reached_counts(steps: int, points: int) -> None:
    # given
    day = date(2025, 6, 1)
    history = History(*BORN_1980, steps={day: steps})
    # when
    award = award_for_day(rule_with(), history, day=day)
    # then
    assert award.total == points
    assert award.points == ({STEPS: points} if points else {})


def test_senior_tiers_apply_from_the_first_day_of_the_month_the_resident_turns_65() -> None:
    # given: born in May 1960, 4,000 steps on both days
    history = History(1960, 5, steps={date(2025, 4, 30): 4000, date(2025, 5, 1): 4000})
    # then
    assert award_for_day(rule_with(), history, day=date(2025, 4, 30)).total == 1
    assert award_for_day(rule_with(), history, day=date(2025, 5, 1)).total == 3


def test_without_senior_tiers_everyone_uses_the_general_tiers() -> None:
    rule = parse_rule({"version": 1, "step_tiers": BASE["step_tiers"]})
    history = History(1940, 1, steps={date(2025, 6, 1): 4000})
    assert award_for_day(rule, history, day=date(2025, 6, 1)).total == 1


# Caps


def test_the_daily_cap_limits_steps_and_streak_but_not_checkup_bonuses() -> None:
    # given
    rule = rule_with(caps={"daily": 6}, streak={"days": 2, "points": 4}, checkup_bonus={"tokutei": 500})
    history = History(
        *BORN_1980, steps=walked(date(2025, 6, 1), date(2025, 6, 2)), checkups=[Checkup("tokutei", date(2025, 6, 2))]
    )
    # when
    earned = award_each_day(rule, history, date(2025, 6, 1), date(2025, 6, 2))
    # then
    assert earned == {date(2025, 6, 1): {STEPS: 5}, date(2025, 6, 2): {STEPS: 5, STREAK: 1, TOKUTEI: 500}}


def test_the_monthly_cap_counts_the_whole_calendar_month() -> None:
    rule = rule_with(caps={"monthly": 12})
    history = History(*BORN_1980, steps=walked(date(2025, 6, 28), date(2025, 7, 1)))
    earned = award_each_day(rule, history, date(2025, 6, 28), date(2025, 7, 1))
    assert earned == {
        date(2025, 6, 28): {STEPS: 5},
        date(2025, 6, 29): {STEPS: 5},
        date(2025, 6, 30): {STEPS: 2},
        date(2025, 7, 1): {STEPS: 5},
    }


def test_the_fiscal_year_cap_counts_earlier_grants_and_resets_on_1_april() -> None:
    # given: 10 points already granted in May of the same fiscal year
    rule = rule_with(caps={"fiscal_year": 12})
    history = History(
        *BORN_1980, steps=walked(date(2026, 3, 30), date(2026, 4, 1)), granted={date(2025, 5, 10): {STEPS: 10}}
    )
    # when
    earned = award_each_day(rule, history, date(2026, 3, 30), date(2026, 4, 1))
    # then
    assert earned == {date(2026, 3, 30): {STEPS: 2}, date(2026, 4, 1): {STEPS: 5}}


def test_a_binding_cap_serves_components_in_order() -> None:
    rule = rule_with(caps={"monthly": 7}, first_participation={"points": 50}, checkup_bonus={"gastric": 3})
    day = date(2025, 6, 1)
    history = History(*BORN_1980, steps={day: 8000}, checkups=[Checkup("gastric", day)])
    assert award_for_day(rule, history, day=day).points == {STEPS: 5, FIRST_PARTICIPATION: 2}


# Checkup bonuses


def test_each_checkup_kind_earns_once_per_fiscal_year() -> None:
    # given
    rule = rule_with(checkup_bonus={"tokutei": 500, "gastric": 100})
    checkups = [
        Checkup("tokutei", date(2025, 3, 31)),
        Checkup("tokutei", date(2025, 4, 1)),
        Checkup("tokutei", date(2025, 6, 1)),
        Checkup("tokutei", date(2025, 6, 1)),
        Checkup("gastric", date(2025, 6, 1)),
        Checkup("lung", date(2025, 6, 1)),
    ]
    # when
    earned = award_each_day(rule, History(*BORN_1980, checkups=checkups), date(2025, 3, 1), date(2025, 7, 1))
    # then
    assert earned == {
        date(2025, 3, 31): {TOKUTEI: 500},
        date(2025, 4, 1): {TOKUTEI: 500},
        date(2025, 6, 1): {GASTRIC: 100},
    }


def test_a_checkup_granted_earlier_in_the_year_blocks_a_later_one() -> None:
    rule = rule_with(checkup_bonus={"tokutei": 500})
    day = date(2025, 9, 1)
    history = History(*BORN_1980, checkups=[Checkup("tokutei", day)], granted={date(2025, 4, 20): {TOKUTEI: 500}})
    assert award_for_day(rule, history, day=day).points == {}


# Streak and first participation


def test_the_streak_bonus_repeats_on_every_nth_consecutive_qualifying_day() -> None:
    rule = rule_with(streak={"days": 3, "points": 10})
    history = History(*BORN_1980, steps=walked(date(2025, 6, 1), date(2025, 6, 7)))
    earned = award_each_day(rule, history, date(2025, 6, 1), date(2025, 6, 7))
    assert [day for day, points in earned.items() if STREAK in points] == [date(2025, 6, 3), date(2025, 6, 6)]


def test_a_day_that_does_not_qualify_breaks_the_streak() -> None:
    rule = rule_with(streak={"days": 3, "points": 10})
    steps = {**walked(date(2025, 6, 1), date(2025, 6, 6)), date(2025, 6, 3): 1999}
    earned = award_each_day(rule, History(*BORN_1980, steps=steps), date(2025, 6, 1), date(2025, 6, 6))
    assert [day for day, points in earned.items() if STREAK in points] == [date(2025, 6, 6)]


def test_a_streak_restarts_on_1_april() -> None:
    rule = rule_with(streak={"days": 3, "points": 10})
    history = History(*BORN_1980, steps=walked(date(2025, 3, 30), date(2025, 4, 3)))
    earned = award_each_day(rule, history, date(2025, 3, 30), date(2025, 4, 3))
    assert [day for day, points in earned.items() if STREAK in points] == [date(2025, 4, 3)]


def test_a_late_day_that_lengthens_a_run_pays_no_extra_streak_bonus() -> None:
    # given: 2 June and 3 June arrive on time and complete a 2-day streak; 1 June arrives three days late
    rule = rule_with(streak={"days": 2, "points": 10}, late_sync_days=3)
    delivered = [
        Delivery(date(2025, 6, 2), date(2025, 6, 2), steps=8000),
        Delivery(date(2025, 6, 3), date(2025, 6, 3), steps=8000),
        Delivery(date(2025, 6, 4), date(2025, 6, 1), steps=8000),
    ]
    # when
    granted, _ = run_daily(always(rule), delivered, BORN_1980, days(date(2025, 6, 2), date(2025, 6, 9)))
    # then: a run of three days holds one bonus
    assert granted == {day: {STEPS: 5} for day in days(date(2025, 6, 1), date(2025, 6, 2))} | {
        date(2025, 6, 3): {STEPS: 5, STREAK: 10}
    }


def test_first_participation_is_paid_once_on_the_first_qualifying_day() -> None:
    rule = rule_with(first_participation={"points": 50}, checkup_bonus={"tokutei": 500})
    steps = {date(2025, 6, 1): 1999, date(2025, 6, 2): 2000, date(2025, 6, 3): 9000}
    history = History(*BORN_1980, steps=steps, checkups=[Checkup("tokutei", date(2025, 6, 1))])
    earned = award_each_day(rule, history, date(2025, 6, 1), date(2025, 6, 3))
    assert earned == {
        date(2025, 6, 1): {TOKUTEI: 500},
        date(2025, 6, 2): {STEPS: 1, FIRST_PARTICIPATION: 50},
        date(2025, 6, 3): {STEPS: 5},
    }


def test_first_participation_is_not_paid_again_after_an_earlier_grant_or_a_late_earlier_day() -> None:
    rule = rule_with(first_participation={"points": 50}, late_sync_days=5)
    long_ago = History(
        *BORN_1980, steps={date(2025, 6, 1): 9000}, granted={date(2023, 5, 1): {FIRST_PARTICIPATION: 50}}
    )
    assert award_for_day(rule, long_ago, day=date(2025, 6, 1)).points == {STEPS: 5}
    delivered = [
        Delivery(date(2025, 6, 5), date(2025, 6, 5), steps=8000),
        Delivery(date(2025, 6, 7), date(2025, 6, 3), steps=8000),
    ]
    granted, _ = run_daily(always(rule), delivered, BORN_1980, days(date(2025, 6, 2), date(2025, 6, 12)))
    assert granted == {date(2025, 6, 3): {STEPS: 5}, date(2025, 6, 5): {STEPS: 5, FIRST_PARTICIPATION: 50}}


def test_a_grant_reversed_to_nothing_counts_as_not_granted() -> None:
    # given: the first-participation grant of 1 June was reversed, so its net is zero
    rule = rule_with(first_participation={"points": 50})
    granted = {date(2025, 6, 1): {STEPS: 5, FIRST_PARTICIPATION: 0}}
    history = History(*BORN_1980, steps=walked(date(2025, 6, 1), date(2025, 6, 2)), granted=granted)
    # then
    assert award_for_day(rule, history, day=date(2025, 6, 2)).points == {STEPS: 5, FIRST_PARTICIPATION: 50}


# The late-sync window and differences


@pytest.mark.parametrize(("late", "first_open"), [(0, date(2025, 6, 9)), (2, date(2025, 6, 7))])
def test_the_window_holds_yesterday_and_the_late_sync_days_before_it(late: int, first_open: date) -> None:
    # given
    history = History(*BORN_1980, steps=walked(date(2025, 6, 1), date(2025, 6, 10)))
    # when
    due = awards_due(always(rule_with(late_sync_days=late)), history, today=date(2025, 6, 10))
    # then
    assert [item.award.day for item in due] == days(first_open, date(2025, 6, 9))
    assert {item.version for item in due} == {1}


def test_late_data_grants_only_the_difference_and_a_rerun_grants_nothing() -> None:
    # given: 3,000 steps synced by the first run, 9,000 by the next
    rule = rule_with(late_sync_days=1)
    day = date(2025, 6, 1)
    granted: Granted = {}
    first = awards_due(always(rule), History(*BORN_1980, steps={day: 3000}, granted=granted), today=date(2025, 6, 2))
    record(granted, (item.award for item in first))
    # when
    more = History(*BORN_1980, steps={day: 9000}, granted=granted)
    second = awards_due(always(rule), more, today=date(2025, 6, 3))
    record(granted, (item.award for item in second))
    # then
    assert [item.award.points for item in first] == [{STEPS: 1}]
    assert [item.award.points for item in second] == [{STEPS: 4}]
    assert awards_due(always(rule), more, today=date(2025, 6, 3)) == []


def test_a_correction_downwards_takes_nothing_back() -> None:
    rule = rule_with(late_sync_days=1)
    day = date(2025, 6, 1)
    history = History(*BORN_1980, steps={day: 3000}, granted={day: {STEPS: 5}})
    assert awards_due(always(rule), history, today=date(2025, 6, 3)) == []
    assert award_for_day(rule, history, day=day).points == {}


def test_each_day_follows_the_version_that_governs_it() -> None:
    # given: the new fiscal year brings doubled points and a longer window
    old = RuleVersion(1, date(2024, 4, 1), date(2025, 3, 31), rule_with(late_sync_days=0))
    doubled = [{"min_steps": 2000, "points": 2}, {"min_steps": 8000, "points": 10}]
    new = RuleVersion(2, date(2025, 4, 1), None, rule_with(step_tiers=doubled, late_sync_days=3))
    history = History(*BORN_1980, steps=walked(date(2025, 3, 25), date(2025, 4, 3)))
    # when
    on_1_april = awards_due([new, old], history, today=date(2025, 4, 1))
    on_3_april = awards_due([new, old], history, today=date(2025, 4, 3))
    # then
    assert [(item.version, item.award.day, item.award.total) for item in on_1_april] == [(1, date(2025, 3, 31), 5)]
    assert [(item.version, item.award.day, item.award.total) for item in on_3_april] == [
        (2, date(2025, 4, 1), 10),
        (2, date(2025, 4, 2), 10),
    ]


def test_overlapping_or_backward_versions_are_refused() -> None:
    rule = rule_with()
    with pytest.raises(ValueError, match="overlap"):
        awards_due(
            [RuleVersion(1, date(2025, 4, 1), None, rule), RuleVersion(2, date(2025, 5, 1), None, rule)],
            History(*BORN_1980),
            today=date(2025, 6, 1),
        )
    with pytest.raises(ValueError, match="ends before it starts"):
        RuleVersion(3, date(2025, 4, 2), date(2025, 4, 1), rule)


def test_days_no_version_governs_earn_nothing() -> None:
    version = RuleVersion(1, date(2025, 6, 5), None, rule_with(late_sync_days=5))
    history = History(*BORN_1980, steps=walked(date(2025, 6, 1), date(2025, 6, 6)))
    assert [item.award.day for item in awards_due([version], history, today=date(2025, 6, 7))] == days(
        date(2025, 6, 5), date(2025, 6, 6)
    )


# Simulation


def test_simulation_sums_per_component_and_day_and_prices_the_points() -> None:
    # given: one resident with 10 points granted earlier in June (they count) and a grant inside the range (set aside)
    rule = rule_with(caps={"monthly": 16}, checkup_bonus={"tokutei": 12})
    walker = History(
        *BORN_1980,
        steps=walked(date(2025, 6, 10), date(2025, 6, 12)),
        granted={date(2025, 6, 1): {STEPS: 10}, date(2025, 6, 10): {STEPS: 5}},
    )
    checked = History(1950, 1, checkups=[Checkup("tokutei", date(2025, 6, 11))])
    idle = History(*BORN_1980)
    # when
    result = simulate(rule, [walker, checked, idle], first_day=date(2025, 6, 10), last_day=date(2025, 6, 12))
    # then
    assert result.residents == 3
    assert result.earning_residents == 2
    assert result.by_component == dict.fromkeys(COMPONENTS, 0) | {STEPS: 6, TOKUTEI: 12}
    assert result.by_day == {date(2025, 6, 10): 5, date(2025, 6, 11): 13, date(2025, 6, 12): 0}
    assert result.total == 18
    assert result.cost_yen(coins_per_point_num=3, coins_per_point_den=2) == 27


def test_a_simulation_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        simulate(rule_with(), [], first_day=date(2025, 6, 2), last_day=date(2025, 6, 1))


# Properties


def check_caps(rule: Rule, granted: Granted) -> None:
    months: dict[tuple[int, int], int] = {}
    years: dict[date, int] = {}
    for day, points in granted.items():
        assert all(value > 0 for value in points.values())
        if rule.caps.daily is not None:
            assert points.get(STEPS, 0) + points.get(STREAK, 0) <= rule.caps.daily
        months[day.year, day.month] = months.get((day.year, day.month), 0) + sum(points.values())
        years[fiscal_year_start(day)] = years.get(fiscal_year_start(day), 0) + sum(points.values())
    if rule.caps.monthly is not None:
        assert max(months.values(), default=0) <= rule.caps.monthly
    if rule.caps.fiscal_year is not None:
        assert max(years.values(), default=0) <= rule.caps.fiscal_year


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_caps_hold_and_awards_are_positive_whatever_arrives_when(data: st.DataObject) -> None:
    # given: figures that may also shrink, some arriving after their window closed
    rule = data.draw(rules())
    first_day, length = data.draw(periods())
    birth = data.draw(birth_year_months(first_day))
    delivered = data.draw(deliveries(first_day=first_day, days=length, latest=rule.late_sync_days + 3, growing=False))
    last_run = first_day + timedelta(days=length + rule.late_sync_days + 4)
    # when
    granted, every = run_daily(always(rule), delivered, birth, days(first_day, last_run))
    # then
    assert all(points > 0 for item in every for points in item.award.points.values())
    check_caps(rule, granted)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_a_rerun_after_recording_its_awards_grants_nothing(data: st.DataObject) -> None:
    rule = data.draw(rules())
    first_day, length = data.draw(periods())
    birth = data.draw(birth_year_months(first_day))
    delivered = data.draw(deliveries(first_day=first_day, days=length, latest=rule.late_sync_days + 1, growing=False))
    granted: Granted = {}
    for today in days(first_day, first_day + timedelta(days=length + rule.late_sync_days + 2)):
        due = awards_due(always(rule), history_seen(delivered, before=today, birth=birth, granted=granted), today=today)
        record(granted, (item.award for item in due))
        again = history_seen(delivered, before=today, birth=birth, granted=granted)
        assert awards_due(always(rule), again, today=today) == []


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_totals_do_not_depend_on_when_growing_data_arrived_inside_the_window(data: st.DataObject) -> None:
    """Without caps, when each day's figure only grows and every delivery arrives while its day is open, the daily
    runs grant in total, per component, what the rule grants with all the data on time (`simulate`). Which day
    carries a streak or first-participation bonus may differ; how many there are does not."""
    # given
    rule = data.draw(rules(with_caps=False))
    first_day, length = data.draw(periods())
    last_day = first_day + timedelta(days=length - 1)
    birth = data.draw(birth_year_months(first_day))
    delivered = data.draw(deliveries(first_day=first_day, days=length, latest=rule.late_sync_days, growing=True))
    # when
    granted, _ = run_daily(always(rule), delivered, birth, days(first_day, last_day + timedelta(days=40)))
    on_time = simulate(
        rule,
        [history_seen(delivered, before=date.max, birth=birth, granted={})],
        first_day=first_day,
        last_day=last_day,
    )
    # then
    totals = dict.fromkeys(COMPONENTS, 0)
    for points in granted.values():
        for component, value in points.items():
            totals[component] += value
    assert totals == on_time.by_component


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_simulation_equals_awarding_day_by_day(data: st.DataObject) -> None:
    rule = data.draw(rules())
    first_day, length = data.draw(periods())
    last_day = first_day + timedelta(days=length - 1)
    birth = data.draw(birth_year_months(first_day))
    delivered = data.draw(deliveries(first_day=first_day, days=length, latest=0, growing=False))
    history = history_seen(delivered, before=date.max, birth=birth, granted={})
    earned = award_each_day(rule, history, first_day, last_day)
    result = simulate(rule, [history], first_day=first_day, last_day=last_day)
    assert result.by_day == {day: sum(earned.get(day, {}).values()) for day in days(first_day, last_day)}
    check_caps(rule, earned)
