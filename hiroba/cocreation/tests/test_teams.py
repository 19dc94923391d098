"""Team assignment as a pure rule: everybody in exactly one team, sizes within one of each other, and no two people
of one town in a team unless that town alone has more people than there are teams."""

from __future__ import annotations

from collections import Counter
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.cocreation.teams import assign_teams, most_of_one_town

TOWNS = ["202177", "202088", "203238", "203246", "111007", "122076", "132080", None]  # None: the agency

registrants = st.lists(st.sampled_from(TOWNS), max_size=80).map(lambda towns: list(enumerate(towns)))
team_counts = st.integers(min_value=1, max_value=12)


@given(people=registrants, n=team_counts)
def test_everybody_is_in_exactly_one_team(people: list[tuple[int, str | None]], n: int) -> None:
    teams = assign_teams(people, n)
    assert len(teams) == n
    assert sorted(key for team in teams for key in team) == [key for key, _ in people]


@given(people=registrants, n=team_counts)
def test_team_sizes_differ_by_at_most_one(people: list[tuple[int, str | None]], n: int) -> None:
    sizes = [len(team) for team in assign_teams(people, n)]
    assert max(sizes) - min(sizes) <= 1


@given(people=registrants, n=team_counts)
def test_each_team_mixes_towns_as_far_as_possible(people: list[tuple[int, str | None]], n: int) -> None:
    town_of = dict(people)
    per_town = Counter(town for _, town in people)
    for team in assign_teams(people, n):
        in_team = Counter(town_of[key] for key in team)
        for town, count in in_team.items():
            # at most the unavoidable share; in particular one, whenever the town has no more people than teams
            assert count <= ceil(per_town[town] / n)
            if per_town[town] <= n:
                assert count == 1


@given(people=registrants, n=team_counts)
def test_the_same_input_gives_the_same_teams(people: list[tuple[int, str | None]], n: int) -> None:
    assert assign_teams(people, n) == assign_teams(list(people), n)


def test_the_day_of_the_workshop() -> None:
    # given: 40 staff from seven towns and the agency, in the order they registered
    sizes = {"202177": 9, "202088": 6, "111007": 6, "122076": 5, "132080": 5, "203238": 3, "203246": 2, None: 4}
    towns = [town for town, size in sizes.items() for _ in range(size)]
    people = [(f"p{i}", town) for i, town in enumerate(towns)]
    # when: six teams
    teams = assign_teams(people, 6)
    # then: 40 = 4 × 7 + 2 × 6; only 佐久市, with nine people for six teams, has two in some teams
    assert sorted(len(t) for t in teams) == [6, 6, 7, 7, 7, 7]
    town_of = dict(people)
    assert [most_of_one_town([town_of[k] for k in t]) for t in teams] == [2, 2, 2, 1, 1, 1]


def test_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least one team"):
        assign_teams([("a", None)], 0)
    with pytest.raises(ValueError, match="appears once"):
        assign_teams([("a", None), ("a", "202177")], 2)
    assert assign_teams([], 3) == [[], [], []]
