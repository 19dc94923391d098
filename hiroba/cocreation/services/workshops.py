"""Writes of workshops: create and advance one, register, make and assign teams, write idea cards and outcomes,
run the presentations, and publish the outcomes as ideas of the space.

Who may do what: any staff member may organise a workshop (the agency usually does); staff of any municipality or
of the agency register while it is open; only the organiser manages teams, advances the status, runs the
presentations and publishes; only a team's members and the organiser write its idea cards and its outcome. Every
act writes its audit record (chain of the actor's town, or the platform's for the agency) in its transaction.

Capacity holds under concurrency: a registration takes a seat with one conditional UPDATE of the workshop row
(`registered < capacity`), which PostgreSQL serialises on the row lock and SQLite on its write lock; the check
constraint `registered <= capacity` refuses anything that slipped past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import Idea, Space
from hiroba.cocreation.models.workshops import (
    MAX_CAPACITY,
    MAX_CARD,
    MAX_MINUTES,
    NEXT_STATUS,
    IdeaCard,
    Registration,
    Team,
    TeamMember,
    Workshop,
    WorkshopStatus,
)
from hiroba.cocreation.services import idea_post
from hiroba.cocreation.services.common import MAX_TEXT, MAX_TITLE, Poster, _labels, _poster, _text
from hiroba.cocreation.teams import assign_teams
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, PermissionDenied

MAX_TEAMS = 20
MAX_CARDS_PER_TEAM = 300


def _subject(workshop: Workshop) -> str:
    return f"workshop:{workshop.pk}"


def _locked(workshop: Workshop) -> Workshop:
    """The workshop row, locked until the end of the transaction (its status and presenter change under it)."""
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


def _organiser(actor: Actor, workshop: Workshop) -> Poster:
    poster = _poster(actor)
    if workshop.organiser_id != poster.user.pk:
        raise PermissionDenied(
            "cocreation.workshop.organiser_only",
            ja="この操作はワークショップの主催者だけが行えます。",
            en="Only the workshop's organiser can do this.",
        )
    return poster


STATUS_JA = {
    WorkshopStatus.DRAFT: "準備中",
    WorkshopStatus.OPEN: "参加受付中",
    WorkshopStatus.RUNNING: "開催中",
    WorkshopStatus.PUBLISHED: "成果公開済み",
}


def _status_in(workshop: Workshop, *allowed: WorkshopStatus) -> None:
    if workshop.status not in allowed:
        status = WorkshopStatus(workshop.status)
        raise Conflict(
            "cocreation.workshop.status",
            ja=f"ワークショップが「{STATUS_JA[status]}」のため、この操作はできません。",
            en=f"Not possible while the workshop is {status.value} (only when {', '.join(allowed)}).",
            detail={"status": status.value},
        )


def _bounded(value: int, *, field: str, low: int, high: int, ja: str) -> int:
    if not low <= value <= high:
        raise Invalid(
            f"cocreation.workshop.{field}",
            ja=f"{ja}は{low}から{high}までの数で入力してください。",
            en=f"The {field} must be between {low} and {high}.",
            detail={"field": field},
        )
    return value


# ---------------------------------------------------------------------------------------------- the workshop


@transaction.atomic(durable=True)
def workshop_create(
    *,
    actor: Actor,
    space: Space,
    title: str,
    date: dt.date,
    place: str,
    capacity: int,
    agenda: str = "",
    minutes_per_team: int = 5,
) -> Workshop:
    """A draft workshop in a theme space; the actor organises it."""
    poster = _poster(actor)
    workshop = Workshop.objects.create(
        space=space,
        title=_text(title, field="title", limit=MAX_TITLE, ja="題名"),
        agenda=_text(agenda, field="agenda", limit=MAX_TEXT, ja="進行") if agenda.strip() else "",
        date=date,
        place=_text(place, field="place", limit=200, ja="会場"),
        capacity=_bounded(capacity, field="capacity", low=1, high=MAX_CAPACITY, ja="定員"),
        minutes_per_team=_bounded(minutes_per_team, field="minutes", low=1, high=MAX_MINUTES, ja="発表時間"),
        organiser=poster.user,
        municipality_id=poster.lg_code,
    )
    audit_record(
        tag=CocreationEvent.WORKSHOP_CREATED, actor=actor, subject=_subject(workshop), municipality=poster.lg_code,
        data={"space": space.slug, "capacity": capacity},
    )  # fmt: skip
    return workshop


@transaction.atomic(durable=True)
def workshop_advance(*, actor: Actor, workshop: Workshop) -> Workshop:
    """draft → open for registration → running (publishing is `workshop_publish`)."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, *NEXT_STATUS)
    before = locked.status
    locked.status = NEXT_STATUS[WorkshopStatus(before)]
    locked.save(update_fields=["status"])
    audit_record(
        tag=CocreationEvent.WORKSHOP_ADVANCED, actor=actor, subject=_subject(locked), municipality=poster.lg_code,
        data={"from": before, "to": locked.status},
    )  # fmt: skip
    return locked


# ---------------------------------------------------------------------------------------------- registration


@transaction.atomic(durable=True)
def workshop_register(*, actor: Actor, workshop: Workshop) -> Registration:
    """Take a seat: once per staff member, while registration is open, never beyond the capacity."""
    poster = _poster(actor)
    taken = Workshop.objects.filter(pk=workshop.pk, status=WorkshopStatus.OPEN, registered__lt=F("capacity")).update(
        registered=F("registered") + 1
    )
    if not taken:
        current = Workshop.objects.get(pk=workshop.pk)
        _status_in(current, WorkshopStatus.OPEN)
        raise Conflict("cocreation.workshop.full", ja="定員に達しています。", en="The workshop is full.")
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                workshop=workshop, user=poster.user, municipality_id=poster.lg_code
            )
    except IntegrityError as exc:  # the seat taken above is given back by the rollback
        raise Conflict(
            "cocreation.workshop.registered_twice", ja="参加登録済みです。", en="You are already registered."
        ) from exc
    audit_record(
        tag=CocreationEvent.WORKSHOP_REGISTERED, actor=actor, subject=_subject(workshop), municipality=poster.lg_code
    )
    return registration


@transaction.atomic(durable=True)
def workshop_unregister(*, actor: Actor, workshop: Workshop) -> None:
    """Give the seat back while registration is open (the team membership goes with it)."""
    poster = _poster(actor)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.OPEN)
    deleted, _ = Registration.objects.filter(workshop=locked, user=poster.user).delete()
    if not deleted:
        raise Conflict("cocreation.workshop.not_registered", ja="参加登録していません。", en="You are not registered.")
    Workshop.objects.filter(pk=locked.pk).update(registered=F("registered") - 1)
    audit_record(
        tag=CocreationEvent.WORKSHOP_UNREGISTERED, actor=actor, subject=_subject(locked), municipality=poster.lg_code
    )


# ---------------------------------------------------------------------------------------------- teams


@transaction.atomic(durable=True)
def team_create(*, actor: Actor, workshop: Workshop, name: str, theme: str) -> Team:
    """A team with its theme, last in the presentation order."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.DRAFT, WorkshopStatus.OPEN, WorkshopStatus.RUNNING)
    teams = Team.objects.filter(workshop=locked)
    if teams.count() >= MAX_TEAMS:
        raise Conflict(
            "cocreation.workshop.too_many_teams",
            ja=f"チームは{MAX_TEAMS}までです。",
            en=f"At most {MAX_TEAMS} teams.",
        )
    last = teams.order_by("-order").values_list("order", flat=True).first() or 0
    try:
        with transaction.atomic():
            team = Team.objects.create(
                workshop=locked,
                name=_text(name, field="name", limit=60, ja="チーム名"),
                theme=_text(theme, field="theme", limit=200, ja="テーマ"),
                order=last + 1,
            )
    except IntegrityError as exc:
        raise Conflict(
            "cocreation.workshop.team_exists", ja="同じ名前のチームがあります。", en="A team has that name."
        ) from exc
    audit_record(
        tag=CocreationEvent.WORKSHOP_TEAM_CREATED, actor=actor, subject=_subject(locked), municipality=poster.lg_code,
        data={"team": team.pk},
    )  # fmt: skip
    return team


@transaction.atomic(durable=True)
def teams_assign(*, actor: Actor, workshop: Workshop) -> dict[int, list[int]]:
    """Spread every registrant over the workshop's teams so that each team mixes municipalities (see `teams.py`),
    replacing the current assignment; returns {team id: [registration ids]}."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.OPEN, WorkshopStatus.RUNNING)
    teams = list(Team.objects.filter(workshop=locked).order_by("order", "pk"))
    if not teams:
        raise Conflict("cocreation.workshop.no_teams", ja="先にチームを作ってください。", en="Make the teams first.")
    registrants = list(
        Registration.objects.filter(workshop=locked).order_by("created_at", "pk").values_list("pk", "municipality_id")
    )
    dealt = assign_teams(registrants, len(teams))
    TeamMember.objects.filter(team__workshop=locked).delete()
    TeamMember.objects.bulk_create(
        [TeamMember(team=team, registration_id=rid) for team, ids in zip(teams, dealt, strict=True) for rid in ids]
    )
    result = {team.pk: ids for team, ids in zip(teams, dealt, strict=True)}
    audit_record(
        tag=CocreationEvent.WORKSHOP_TEAMS_ASSIGNED, actor=actor, subject=_subject(locked),
        municipality=poster.lg_code, data={"teams": len(teams), "registrants": len(registrants)},
    )  # fmt: skip
    return result


@transaction.atomic(durable=True)
def team_member_move(*, actor: Actor, workshop: Workshop, registration: Registration, team: Team | None) -> None:
    """Put one registrant in a team by hand (or in none)."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.OPEN, WorkshopStatus.RUNNING)
    if registration.workshop_id != locked.pk or (team is not None and team.workshop_id != locked.pk):
        raise Invalid(
            "cocreation.workshop.other_workshop",
            ja="このワークショップの参加者とチームを選んでください。",
            en="Choose a registrant and a team of this workshop.",
        )
    if team is None:
        TeamMember.objects.filter(registration=registration).delete()
    else:
        TeamMember.objects.update_or_create(registration=registration, defaults={"team": team})
    audit_record(
        tag=CocreationEvent.WORKSHOP_MEMBER_MOVED, actor=actor, subject=_subject(locked), municipality=poster.lg_code,
        data={"registration": registration.pk, "team": team.pk if team else None},
    )  # fmt: skip


@transaction.atomic(durable=True)
def teams_order(*, actor: Actor, workshop: Workshop, team_ids: Sequence[int]) -> None:
    """Set the presentation order: `team_ids` lists every team of the workshop once, first presenter first."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.DRAFT, WorkshopStatus.OPEN, WorkshopStatus.RUNNING)
    current = set(Team.objects.filter(workshop=locked).values_list("pk", flat=True))
    if len(team_ids) != len(current) or set(team_ids) != current:
        raise Invalid(
            "cocreation.workshop.order",
            ja="すべてのチームの順番を一つずつ指定してください。",
            en="Give every team of the workshop one place.",
        )
    Team.objects.filter(workshop=locked).update(order=F("order") + MAX_TEAMS * 100)  # out of the way, then set
    for place, pk in enumerate(team_ids, start=1):
        Team.objects.filter(pk=pk).update(order=place)
    audit_record(
        tag=CocreationEvent.WORKSHOP_TEAMS_ORDERED, actor=actor, subject=_subject(locked), municipality=poster.lg_code,
        data={"order": list(team_ids)},
    )  # fmt: skip


def _member_or_organiser(actor: Actor, team: Team) -> Poster:
    poster = _poster(actor)
    is_member = TeamMember.objects.filter(team=team, registration__user=poster.user).exists()
    if not is_member and team.workshop.organiser_id != poster.user.pk:
        raise PermissionDenied(
            "cocreation.workshop.team_only",
            ja="このチームのメンバーと主催者だけが書き込めます。",
            en="Only the team's members and the organiser can write here.",
        )
    return poster


@transaction.atomic(durable=True)
def card_add(*, actor: Actor, team: Team, text: str) -> IdeaCard:
    """An idea card (a sticky note) written during the session."""
    poster = _member_or_organiser(actor, team)
    _status_in(Workshop.objects.get(pk=team.workshop_id), WorkshopStatus.RUNNING)
    if IdeaCard.objects.filter(team=team).count() >= MAX_CARDS_PER_TEAM:
        raise Conflict(
            "cocreation.workshop.too_many_cards",
            ja=f"1チームのアイデアカードは{MAX_CARDS_PER_TEAM}枚までです。",
            en=f"At most {MAX_CARDS_PER_TEAM} idea cards per team.",
        )
    card = IdeaCard.objects.create(
        team=team,
        author=poster.user,
        municipality_id=poster.lg_code,
        text=_text(text, field="card", limit=MAX_CARD, ja="アイデアカード"),
    )
    audit_record(
        tag=CocreationEvent.WORKSHOP_CARD_ADDED, actor=actor, subject=f"workshop:{team.workshop_id}",
        municipality=poster.lg_code, data={"team": team.pk, "card": card.pk},
    )  # fmt: skip
    return card


@transaction.atomic(durable=True)
def team_outcome_write(
    *, actor: Actor, team: Team, title: str, problem: str, proposal: str, services: Sequence[str] = ()
) -> Team:
    """The team's outcome, which publishing turns into an idea of the space (rewritable until then)."""
    poster = _member_or_organiser(actor, team)
    _status_in(Workshop.objects.get(pk=team.workshop_id), WorkshopStatus.RUNNING)
    team.outcome_title = _text(title, field="title", limit=MAX_TITLE, ja="題名")
    team.outcome_problem = _text(problem, field="problem", limit=MAX_TEXT, ja="困っていること")
    team.outcome_proposal = _text(proposal, field="proposal", limit=MAX_TEXT, ja="提案")
    team.outcome_services = _labels(services)
    team.save(update_fields=["outcome_title", "outcome_problem", "outcome_proposal", "outcome_services"])
    audit_record(
        tag=CocreationEvent.WORKSHOP_OUTCOME_WRITTEN, actor=actor, subject=f"workshop:{team.workshop_id}",
        municipality=poster.lg_code, data={"team": team.pk},
    )  # fmt: skip
    return team


# ---------------------------------------------------------------------------------------------- the session


@transaction.atomic(durable=True)
def presentation_step(*, actor: Actor, workshop: Workshop, step: int) -> Workshop:
    """Move the current presenter: +1 the next team (the first when none presents), -1 the previous one (the last
    when the presentations are over), 0 restarts the current team's timer. Past the last team nobody presents."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.RUNNING)
    order = list(Team.objects.filter(workshop=locked).order_by("order", "pk").values_list("pk", flat=True))
    if not order:
        raise Conflict("cocreation.workshop.no_teams", ja="先にチームを作ってください。", en="Make the teams first.")
    if step not in {-1, 0, 1}:
        raise Invalid("cocreation.workshop.step", ja="この操作は行えません。", en="Unknown step.")
    now_at = order.index(locked.presenting_id) if locked.presenting_id in order else None
    # before the first team +1 starts; after the last -1 goes back to it
    target = {1: 0, -1: len(order) - 1}.get(step) if now_at is None else max(now_at + step, 0)
    if target is not None and target < len(order):
        locked.presenting_id = order[target]
        locked.presenting_since = timezone.now()
        Team.objects.filter(pk=order[target]).update(presented_at=locked.presenting_since)
    elif now_at is not None:  # past the last team: the presentations are over
        locked.presenting_id = None
        locked.presenting_since = None
    locked.save(update_fields=["presenting", "presenting_since"])
    audit_record(
        tag=CocreationEvent.WORKSHOP_PRESENTER, actor=actor, subject=_subject(locked), municipality=poster.lg_code,
        data={"team": locked.presenting_id},
    )  # fmt: skip
    return locked


@transaction.atomic(durable=True)
def workshop_publish(*, actor: Actor, workshop: Workshop) -> list[Idea]:
    """Every team's outcome becomes an idea of the workshop's space (posted by the organiser, linked from the team);
    the workshop is then published. Refused while a team has no outcome."""
    poster = _organiser(actor, workshop)
    locked = _locked(workshop)
    _status_in(locked, WorkshopStatus.RUNNING)
    teams = list(Team.objects.filter(workshop=locked).order_by("order", "pk"))
    if not teams:
        raise Conflict("cocreation.workshop.no_teams", ja="先にチームを作ってください。", en="Make the teams first.")
    missing = [t.name for t in teams if not t.has_outcome]
    if missing:
        raise Conflict(
            "cocreation.workshop.outcome_missing",
            ja=f"成果がまだ書かれていないチームがあります：{'、'.join(missing)}",
            en=f"Some teams have no outcome yet: {', '.join(missing)}",
            detail={"teams": missing},
        )
    space = Space.objects.get(pk=locked.space_id)
    ideas: list[Idea] = []
    for team in teams:
        idea = idea_post(
            actor=actor,
            space=space,
            title=team.outcome_title,
            problem=team.outcome_problem,
            proposal=team.outcome_proposal,
            services=team.outcome_services,
        )
        team.idea = idea
        team.save(update_fields=["idea"])
        ideas.append(idea)
    locked.status = WorkshopStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.presenting_id = None
    locked.presenting_since = None
    locked.save(update_fields=["status", "published_at", "presenting", "presenting_since"])
    audit_record(
        tag=CocreationEvent.WORKSHOP_PUBLISHED, actor=actor, subject=_subject(locked), municipality=poster.lg_code,
        data={"ideas": [i.pk for i in ideas]},
    )  # fmt: skip
    return ideas
