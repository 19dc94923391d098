"""Workshop pages: the list (and a new workshop), one workshop with registration, the organiser's manage page, a
team's page with its idea cards and outcome, the facilitator view for the projector, and the published outcomes.

Thin, like the other co-creation pages: selectors read and refuse, services write, a refusal is shown beside the
form with its reason code. Everything works without JavaScript; the facilitator view reloads itself with a
`<meta http-equiv="refresh">` inside `<noscript>`, and `cocreation/facilitator.js` replaces that with a live update
and a ticking timer when scripts run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.cocreation import selectors
from hiroba.cocreation.models.workshops import NEXT_STATUS, WorkshopStatus
from hiroba.cocreation.selectors import workshops as read
from hiroba.cocreation.services import workshops as write
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.identity.models import User
from hiroba.tenancy.selectors import actor_scope

SCREENS = ("teams", "cards", "present")
LIVE_SECONDS = 10  # how often the facilitator view refreshes itself


def _staff(request: HttpRequest) -> tuple[Actor, User]:
    actor = Actor.from_request(request)
    return actor, selectors.staff_required(actor=actor)  # refuses anyone else, signed in or not


def _number(value: str, *, field: str) -> int:
    if not value.strip().isdigit():
        raise Invalid(
            f"cocreation.workshop.{field}",
            ja="数字で入力してください。",
            en=f"Enter the {field} as a number.",
            detail={"field": field},
        )
    return int(value)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid(
            "cocreation.workshop.date",
            ja="開催日を正しく入力してください（例：2026-02-05）。",
            en="Enter the date (for example 2026-02-05).",
            detail={"field": "date"},
        ) from exc


def _lines(value: str) -> list[str]:
    return value.replace("、", "\n").replace(",", "\n").splitlines()


@require_http_methods(["GET", "POST"])
def workshops_page(request: HttpRequest) -> HttpResponse:
    """Every workshop; POST organises a new one (as a draft) and opens its manage page."""
    actor, user = _staff(request)
    error: AppError | None = None
    if request.method == "POST":
        try:
            workshop = write.workshop_create(
                actor=actor,
                space=selectors.space_get(slug=request.POST.get("space", "")),
                title=request.POST.get("title", ""),
                date=_date(request.POST.get("date", "")),
                place=request.POST.get("place", ""),
                capacity=_number(request.POST.get("capacity", ""), field="capacity"),
                minutes_per_team=_number(request.POST.get("minutes_per_team", "5"), field="minutes"),
                agenda=request.POST.get("agenda", ""),
            )
            return redirect("cocreation-workshop-manage", workshop_id=workshop.pk)
        except AppError as refused:
            error = refused
    context = {
        "workshops": read.workshop_list(viewer=user),
        "spaces": selectors.space_list(),
        "error": error,
        "field": (error.detail.get("field", "") if error else ""),
        "form": request.POST,
        "today": timezone.localdate(),
    }
    return render(request, "cocreation/workshops.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def workshop_page(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """One workshop: agenda, teams, and registration. POST `action` = register | unregister."""
    actor, user = _staff(request)
    workshop = read.workshop_get(workshop_id=workshop_id, viewer=user)
    error: AppError | None = None
    if request.method == "POST":
        try:
            action = request.POST.get("action", "")
            if action == "register":
                write.workshop_register(actor=actor, workshop=workshop)
            elif action == "unregister":
                write.workshop_unregister(actor=actor, workshop=workshop)
            else:
                raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("cocreation-workshop", workshop_id=workshop.pk)
        except AppError as refused:
            error = refused
            workshop = read.workshop_get(workshop_id=workshop_id, viewer=user)
    teams = read.teams(workshop=workshop)
    context: dict[str, Any] = {
        "workshop": workshop,
        "registration": read.registration_of(workshop=workshop, user=user),
        "teams": [(t, read.team_towns(t)) for t in teams],
        "is_organiser": workshop.organiser_id == user.pk,
        "seats_left": workshop.capacity - workshop.registered,
        "error": error,
    }
    return render(request, "cocreation/workshop.html", context, status=error.status if error else 200)


def _manage(actor: Actor, request: HttpRequest, workshop: Any) -> None:
    action = request.POST.get("action", "")
    if action == "advance":
        write.workshop_advance(actor=actor, workshop=workshop)
    elif action == "team":
        write.team_create(
            actor=actor, workshop=workshop, name=request.POST.get("name", ""), theme=request.POST.get("theme", "")
        )
    elif action == "assign":
        write.teams_assign(actor=actor, workshop=workshop)
    elif action == "move":
        write.team_member_move(
            actor=actor,
            workshop=workshop,
            registration=read.registration_get(workshop=workshop, ref=request.POST.get("registration", "")),
            team=read.team_of_request(workshop=workshop, ref=request.POST.get("team", "")),
        )
    elif action == "order":
        places = {
            int(key.removeprefix("place-")): _number(request.POST.get(key, ""), field="order")
            for key in request.POST
            if key.startswith("place-") and key.removeprefix("place-").isdigit()
        }
        current = [t.pk for t in read.teams(workshop=workshop)]
        ordered = sorted(current, key=lambda pk: (places.get(pk, len(current) + 1), current.index(pk)))
        write.teams_order(actor=actor, workshop=workshop, team_ids=ordered)
    elif action == "publish":
        write.workshop_publish(actor=actor, workshop=workshop)
    else:
        raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")


@require_http_methods(["GET", "POST"])
def workshop_manage_page(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The organiser's page. POST `action` = advance | team (`name`, `theme`) | assign | move (`registration`,
    `team`) | order (`place-<team id>`) | publish."""
    actor, user = _staff(request)
    workshop = read.workshop_for_organiser(workshop_id=workshop_id, viewer=user)
    error: AppError | None = None
    if request.method == "POST":
        try:
            _manage(actor, request, workshop)
            if request.POST.get("action") == "publish":
                return redirect("cocreation-workshop-outcomes", workshop_id=workshop.pk)
            return redirect("cocreation-workshop-manage", workshop_id=workshop.pk)
        except AppError as refused:
            error = refused
            workshop = read.workshop_for_organiser(workshop_id=workshop_id, viewer=user)
    teams = read.teams(workshop=workshop)
    next_status = NEXT_STATUS.get(WorkshopStatus(workshop.status))
    context: dict[str, Any] = {
        "workshop": workshop,
        "teams": [(t, read.team_towns(t)) for t in teams],
        "registrations": read.registrations(workshop=workshop),
        "next_status": WorkshopStatus(next_status).label if next_status else None,
        "error": error,
        "field": (error.detail.get("field", "") if error else ""),
        "form": request.POST,
    }
    return render(request, "cocreation/workshop_manage.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def team_page(request: HttpRequest, workshop_id: str, team_id: str) -> HttpResponse:
    """A team: members, idea cards (anyone may read; members and the organiser write) and the outcome.
    POST `action` = card (`text`) | outcome (`title`, `problem`, `proposal`, `services`)."""
    actor, user = _staff(request)
    workshop = read.workshop_get(workshop_id=workshop_id, viewer=user)
    team = read.team_get(workshop=workshop, team_id=team_id)
    error: AppError | None = None
    if request.method == "POST":
        try:
            action = request.POST.get("action", "")
            if action == "card":
                write.card_add(actor=actor, team=team, text=request.POST.get("text", ""))
                return redirect(f"{request.path}#cards")
            if action == "outcome":
                write.team_outcome_write(
                    actor=actor,
                    team=team,
                    title=request.POST.get("title", ""),
                    problem=request.POST.get("problem", ""),
                    proposal=request.POST.get("proposal", ""),
                    services=_lines(request.POST.get("services", "")),
                )
                return redirect(f"{request.path}#outcome")
            raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")
        except AppError as refused:
            error = refused
    full = next(t for t in read.teams(workshop=workshop) if t.pk == team.pk)
    is_organiser = workshop.organiser_id == user.pk
    can_write = is_organiser or read.is_member(team=team, user=user)
    context: dict[str, Any] = {
        "workshop": workshop,
        "team": full,
        "towns": read.team_towns(full),
        "services_text": "\n".join(full.outcome_services),
        "can_write": can_write and workshop.status == WorkshopStatus.RUNNING,
        # members' names are for the people in the room (registrants and the organiser); others see their towns
        "show_names": is_organiser or read.registration_of(workshop=workshop, user=user) is not None,
        "is_agency": actor_scope(actor).is_agency,
        "error": error,
        "form": request.POST if error else None,
    }
    return render(request, "cocreation/workshop_team.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def facilitator_page(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The projector: `screen` = teams (teams and themes) | cards (live idea cards) | present (order, presenter,
    timer). POST `action` = next | previous | restart moves the presenter (organiser only)."""
    actor, user = _staff(request)
    workshop = read.workshop_for_organiser(workshop_id=workshop_id, viewer=user)
    screen = request.GET.get("screen", "")
    if screen not in SCREENS:
        screen = "present" if workshop.presenting_id else SCREENS[0]
    error: AppError | None = None
    if request.method == "POST":
        try:
            step = {"next": 1, "previous": -1, "restart": 0}.get(request.POST.get("action", ""))
            if step is None:
                raise Invalid("cocreation.form_action", ja="この操作は行えません。", en="Unknown action.")
            write.presentation_step(actor=actor, workshop=workshop, step=step)
            return redirect(f"{request.path}?screen=present")
        except AppError as refused:
            error = refused
            screen = "present"
    teams = read.teams(workshop=workshop)
    context: dict[str, Any] = {
        "workshop": workshop,
        "screen": screen,
        "screens": SCREENS,
        "teams": [(t, read.team_towns(t)) for t in teams],
        "presentation": read.presentation(workshop=workshop, teams_in_order=teams),
        "live_seconds": LIVE_SECONDS,
        "error": error,
    }
    return render(request, "cocreation/workshop_facilitator.html", context, status=error.status if error else 200)


@require_GET
def outcomes_page(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """What the workshop produced: each team's idea in the space, with its theme and the number of idea cards."""
    _, user = _staff(request)
    workshop = read.workshop_get(workshop_id=workshop_id, viewer=user)
    context = {"workshop": workshop, "outcomes": read.outcomes(workshop=workshop)}
    return render(request, "cocreation/workshop_outcomes.html", context)
