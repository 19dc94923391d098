"""Team assignment for a workshop, as a pure rule (no Django): spread the registrants over `n` teams so that every
team mixes municipalities.

The rule: the registrants are grouped by municipality (the agency's staff form one group of their own), the
largest group first, and dealt out like cards — the k-th person in that order joins team k mod n. Consecutive
people of one town therefore land in consecutive, different teams, which gives both guarantees:

- team sizes differ by at most one;
- a town with s registrants puts at most ceil(s / n) of them in any team — so no two people of one town share a
  team unless that town alone has more people than there are teams (unavoidable), and then they are spread as
  evenly as possible.

The result is deterministic for the same input (groups of equal size in the order of their keys, people in the
order given), so an organiser who runs it twice gets the same teams.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

AGENCY = ""  # the group of the agency's staff (who have no municipality)


def assign_teams(registrants: Sequence[tuple[K, str | None]], n_teams: int) -> list[list[K]]:
    """`registrants` are (key, municipality code or None for the agency) pairs with distinct keys; returns `n_teams`
    lists of keys (some empty when there are fewer people than teams)."""
    if n_teams < 1:
        raise ValueError("at least one team is needed")
    keys = [key for key, _ in registrants]
    if len(set(keys)) != len(keys):
        raise ValueError("each registrant appears once")
    groups: dict[str, list[K]] = {}
    for key, town in registrants:
        groups.setdefault(town or AGENCY, []).append(key)
    order = sorted(groups, key=lambda town: (-len(groups[town]), town))
    dealt = [key for town in order for key in groups[town]]
    teams: list[list[K]] = [[] for _ in range(n_teams)]
    for i, key in enumerate(dealt):
        teams[i % n_teams].append(key)
    return teams


def most_of_one_town(team: Sequence[str | None]) -> int:
    """How many people of the team's most represented municipality (the agency counting as one) it holds."""
    counts: dict[str, int] = {}
    for town in team:
        counts[town or AGENCY] = counts.get(town or AGENCY, 0) + 1
    return max(counts.values(), default=0)
