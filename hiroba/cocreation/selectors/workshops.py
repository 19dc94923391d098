"""Reads of workshops: the list and one workshop (a draft is its organiser's alone), registrations, teams with their
members and idea cards, the presentation with its timer, and where a published idea came from.

Every staff member may read a workshop that is not a draft, its teams and their cards (the workshop is a shared
place); the organiser's pages (manage, facilitator view) refuse everybody else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from hiroba.cocreation.models import Hidden, Idea, ReportTarget
from hiroba.cocreation.models.workshops import IdeaCard, Registration, Team, TeamMember, Workshop, WorkshopStatus
from hiroba.core.errors import NotFound, PermissionDenied
from hiroba.identity.models import User
from hiroba.tenancy.models import Municipality


def _unknown(ref: str) -> NotFound:
    return NotFound(
        "cocreation.workshop.unknown", ja="そのワークショップは見つかりません。", en=f"No workshop {ref!r}."
    )


def workshop_list(*, viewer: User) -> QuerySet[Workshop]:
    """Every workshop that is not a draft, and the viewer's own drafts; newest date first."""
    return (
        Workshop.objects.filter(~Q(status=WorkshopStatus.DRAFT) | Q(organiser=viewer))
        .select_related("space", "municipality")
        .annotate(n_teams=Count("teams", distinct=True))
        .order_by("-date", "-created_at")
    )


def workshop_get(*, workshop_id: str, viewer: User) -> Workshop:
    """One workshop; another organiser's draft does not exist for the viewer."""
    workshop = (
        Workshop.objects.select_related("space", "municipality", "organiser", "presenting")
        .filter(pk=workshop_id)
        .first()
    )
    if workshop is None or (workshop.status == WorkshopStatus.DRAFT and workshop.organiser_id != viewer.pk):
        raise _unknown(workshop_id)
    return workshop


def workshop_for_organiser(*, workshop_id: str, viewer: User) -> Workshop:
    workshop = workshop_get(workshop_id=workshop_id, viewer=viewer)
    if workshop.organiser_id != viewer.pk:
        raise PermissionDenied(
            "cocreation.workshop.organiser_only",
            ja="この画面はワークショップの主催者だけが使えます。",
            en="Only the workshop's organiser can use this page.",
        )
    return workshop


def registration_of(*, workshop: Workshop, user: User) -> Registration | None:
    return Registration.objects.filter(workshop=workshop, user=user).select_related("membership__team").first()


def registration_get(*, workshop: Workshop, ref: str) -> Registration:
    row = Registration.objects.filter(workshop=workshop, pk=int(ref)).first() if ref.isdigit() else None
    if row is None:
        raise NotFound(
            "cocreation.workshop.registration_unknown", ja="その参加者は見つかりません。", en="No such registrant."
        )
    return row


def registrations(*, workshop: Workshop) -> list[Registration]:
    """The registrants in the order they registered, with their town and team."""
    return list(
        Registration.objects.filter(workshop=workshop)
        .select_related("user", "municipality", "membership__team")
        .order_by("created_at", "pk")
    )


def team_get(*, workshop: Workshop, team_id: str) -> Team:
    team = Team.objects.filter(workshop=workshop, pk=int(team_id)).first() if team_id.isdigit() else None
    if team is None:
        raise NotFound("cocreation.workshop.team_unknown", ja="そのチームは見つかりません。", en="No such team.")
    team.workshop = workshop
    return team


def team_of_request(*, workshop: Workshop, ref: str) -> Team | None:
    """The team a form names (`""` for none)."""
    return team_get(workshop=workshop, team_id=ref) if ref else None


def teams(*, workshop: Workshop) -> list[Team]:
    """The teams in presentation order, each with its members (town and user) and its idea cards. A card a
    moderator hid carries `hidden_reason` (empty otherwise): pages show the reason in its place."""
    members = TeamMember.objects.select_related("registration__user", "registration__municipality").order_by(
        "registration__created_at", "pk"
    )
    cards = IdeaCard.objects.select_related("municipality").order_by("created_at", "pk")
    rows = list(
        Team.objects.filter(workshop=workshop)
        .select_related("idea")
        .prefetch_related(Prefetch("members", queryset=members), Prefetch("cards", queryset=cards))
        .order_by("order", "pk")
    )
    all_cards = [card for team in rows for card in team.cards.all()]
    hidden = dict(
        Hidden.objects.filter(kind=ReportTarget.CARD, ref__in=[str(c.pk) for c in all_cards]).values_list(
            "ref", "reason"
        )
    )
    for card in all_cards:
        card.hidden_reason = hidden.get(str(card.pk), "")  # type: ignore[attr-defined]
    return rows


def is_member(*, team: Team, user: User) -> bool:
    return TeamMember.objects.filter(team=team, registration__user=user).exists()


def team_towns(team: Team) -> list[Municipality | None]:
    """The municipalities of a (prefetched) team's members, each once, in order of first appearance (None: the
    agency)."""
    towns: dict[str | None, Municipality | None] = {}
    for member in team.members.all():
        towns.setdefault(member.registration.municipality_id, member.registration.municipality)
    return list(towns.values())


@dataclass(frozen=True)
class Presentation:
    """The running order and the current presenter with their timer (seconds; negative remaining is overtime)."""

    teams: list[Team]
    current: Team | None
    next: Team | None
    elapsed: int
    remaining: int
    ends_at: dt.datetime | None
    over: bool  # every team has presented

    @property
    def clock(self) -> str:
        """The time left as m:ss (the overtime, when the time is up)."""
        left = abs(self.remaining)
        return f"{left // 60}:{left % 60:02d}"


def presentation(*, workshop: Workshop, teams_in_order: list[Team], now: dt.datetime | None = None) -> Presentation:
    now = now or timezone.now()
    current = next((t for t in teams_in_order if t.pk == workshop.presenting_id), None)
    if current is None or workshop.presenting_since is None:
        over = bool(teams_in_order) and all(t.presented_at is not None for t in teams_in_order)
        upcoming = None if over else next((t for t in teams_in_order if t.presented_at is None), None)
        return Presentation(teams_in_order, None, upcoming, 0, 0, None, over)
    position = teams_in_order.index(current)
    following = teams_in_order[position + 1] if position + 1 < len(teams_in_order) else None
    elapsed = max(0, int((now - workshop.presenting_since).total_seconds()))
    budget = workshop.minutes_per_team * 60
    ends_at = workshop.presenting_since + dt.timedelta(seconds=budget)
    return Presentation(teams_in_order, current, following, elapsed, budget - elapsed, ends_at, over=False)


def workshop_origin(*, idea: Idea) -> Team | None:
    """The workshop team whose outcome the idea is, if any."""
    return Team.objects.select_related("workshop").filter(idea=idea).first()


def outcomes(*, workshop: Workshop) -> list[Team]:
    """The published teams' ideas, in presentation order."""
    return list(
        Team.objects.filter(workshop=workshop, idea__isnull=False)
        .select_related("idea")
        .annotate(n_cards=Count("cards", distinct=True))
        .order_by("order", "pk")
    )
