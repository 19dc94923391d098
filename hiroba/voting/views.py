"""Residents' and the public's voting pages: the list of polls, each poll's public board (events with ballot
trackers, the result, the archive), the booth, and the booth terminal at the town office. Thin: selectors read,
`services.ballot_cast` checks and posts.

The booth encrypts and signs in the browser (`static/voting/booth.js`): the credential and the choices never leave
the page; only the signed ballot is posted."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.core.models import Channel
from hiroba.identity.services import session_sign_out
from hiroba.identity.web import signed_in_resident
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import municipality_get, staff_scope
from hiroba.voting import selectors
from hiroba.voting.formats.archive import write_archive_to
from hiroba.voting.models import ElectionState
from hiroba.voting.services import ballot_cast, ballot_size_limit

BOARD_PAGE = 100
TERMINAL_COOKIE = "hiroba_booth_terminal"
TERMINAL_SALT = "hiroba.voting.terminal"
TERMINAL_HOURS = 12  # one working day at the town office
TERMINAL_ROLES = (Role.COUNTER, Role.ELECTION, Role.ADMIN)


# ----------------------------------------------------------------------------------------------- public


@require_GET
def polls_page(request: HttpRequest) -> HttpResponse:
    polls = selectors.public_elections(lg_code=request.GET.get("town") or None)
    return render(request, "voting/polls.html", {"polls": polls[:200]})


@require_GET
def board_page(request: HttpRequest, uuid: str) -> HttpResponse:
    """The public board: the poll, its events page by page (ballots with their trackers), a tracker search, the
    result with the trustees' decryptions once tallied, and the archive."""
    election = selectors.public_election_get(uuid=uuid)
    pages = Paginator(range(selectors.event_count(election=election)), BOARD_PAGE)
    page = pages.get_page(request.GET.get("page"))
    offset = page.start_index() - 1 if page.object_list else 0
    tracker = request.GET.get("tracker", "").strip()[:64]
    context = {
        "election": election,
        "questions": selectors.question_results(election=election),
        "entries": selectors.board_entries(election=election, offset=offset, limit=BOARD_PAGE),
        "page": page,
        "ballots": selectors.ballot_counts(election=election),
        "tracker": tracker,
        "tracker_height": selectors.tracker_find(election=election, tracker=tracker) if tracker else None,
    }
    return render(request, "voting/board.html", context)


@require_GET
def archive_page(request: HttpRequest, uuid: str) -> HttpResponse:
    """The Belenios event archive `<uuid>.bel`, rebuilt from the event log: the same state gives the same bytes."""
    election = selectors.public_election_get(uuid=uuid)
    stream = io.BytesIO()
    write_archive_to(
        stream,
        timestamp=selectors.archive_timestamp(election),
        members=selectors.archive_members(election=election),
    )
    response = HttpResponse(stream.getvalue(), content_type="application/x-tar")
    response["Content-Disposition"] = f'attachment; filename="{election.uuid}.bel"'
    return response


@require_GET
def election_json_page(request: HttpRequest, uuid: str) -> HttpResponse:
    """election.json exactly as published (the booth fingerprints these bytes)."""
    election = selectors.public_election_get(uuid=uuid)
    return HttpResponse(selectors.election_json_raw(election=election), content_type="application/json")


# ----------------------------------------------------------------------------------------------- booth


def _terminal(request: HttpRequest) -> dict[str, str] | None:
    """The booth terminal this browser was set up as by staff (lg_code, staff ref), or None."""
    try:
        value = signing.loads(
            request.COOKIES.get(TERMINAL_COOKIE, ""), salt=TERMINAL_SALT, max_age=TERMINAL_HOURS * 3600
        )
    except signing.BadSignature:
        return None
    return value if isinstance(value, dict) else None


def _booth_actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.COUNTER if _terminal(request) else Channel.WEB)


@require_http_methods(["GET", "POST"])
def booth_page(request: HttpRequest, uuid: str) -> HttpResponse:
    """GET: the booth. POST `ballot`: the ballot signed in the browser; on success, the receipt with the tracker."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('resident-sign-in')}?next={reverse('voting-booth', args=[uuid])}")
    resident = signed_in_resident(request)
    election = selectors.public_election_get(uuid=uuid)
    error: AppError | None = None
    if request.method == "POST":
        try:
            raw = request.POST.get("ballot", "")
            if not raw:
                raise Invalid("voting.ballot.missing", ja="投票データがありません。", en="No ballot was sent.")
            event = ballot_cast(actor=_booth_actor(request), election=election, resident=resident, ballot_json=raw)
            tracker = selectors.ballot_tracker(event)
            if _terminal(request):
                session_sign_out(request)  # the next voter starts from the terminal's first screen
                return redirect(f"{reverse('voting-terminal')}?{urlencode({'done': tracker})}")
            return redirect(f"{reverse('voting-booth-done', args=[uuid])}?{urlencode({'tracker': tracker})}")
        except AppError as refused:
            error = refused
    now_refused = selectors.booth_refusal(election=election, resident=resident)
    context = {
        "election": election,
        "questions": selectors.question_results(election=election),
        "refusal": error or now_refused,
        "can_vote": now_refused is None,
        "earlier": selectors.my_ballots(election=election, user=resident.person.user) if resident.person else [],
        "credential": selectors.credential_delivered(election=election, resident=resident),
        "size_limit": ballot_size_limit(election),
        "terminal": _terminal(request) is not None,
    }
    return render(request, "voting/booth.html", context, status=error.status if error else 200)


@require_GET
def booth_done_page(request: HttpRequest, uuid: str) -> HttpResponse:
    election = selectors.public_election_get(uuid=uuid)
    tracker = request.GET.get("tracker", "")[:64]
    height = selectors.tracker_find(election=election, tracker=tracker) if tracker else None
    return render(request, "voting/booth_done.html", {"election": election, "tracker": tracker, "height": height})


# ----------------------------------------------------------------------------------------------- booth terminal


@require_http_methods(["GET", "POST"])
def terminal_setup_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """Staff turn this browser into a booth terminal for their town, and are signed out: from then on only
    residents sign in here, with their own card and PIN, and staff see nothing of the vote."""
    town = municipality_get(lg_code=lg_code)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('staff-login')}?next={request.path}")
    scope = staff_scope(user=request.user)
    if not any(scope.has(role, town.lg_code) for role in TERMINAL_ROLES):
        raise tenancy_errors.forbidden(town.lg_code)
    if request.method == "GET":
        return render(request, "voting/terminal_setup.html", {"town": town})
    value = signing.dumps(
        {"lg_code": town.lg_code, "staff": Actor.from_request(request).ref}, salt=TERMINAL_SALT, compress=True
    )
    session_sign_out(request)
    response = redirect("voting-terminal")
    response.set_cookie(
        TERMINAL_COOKIE,
        value,
        max_age=TERMINAL_HOURS * 3600,
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_GET
def terminal_page(request: HttpRequest) -> HttpResponse:
    """The terminal's first screen: sign in with your own card; after sign-in, the town's open polls you may vote
    in; after a ballot, its tracker for a moment, then back here."""
    terminal = _terminal(request)
    if terminal is None:
        return render(request, "voting/terminal_off.html", status=403)
    town = municipality_get(lg_code=terminal["lg_code"])
    polls = []
    if request.user.is_authenticated:
        resident = signed_in_resident(request)
        polls = [
            e
            for e in selectors.public_elections(lg_code=town.lg_code).filter(state=ElectionState.OPEN)
            if selectors.booth_refusal(election=e, resident=resident) is None
        ]
    context = {"town": town, "polls": polls, "done": request.GET.get("done", "")[:64]}
    return render(request, "voting/terminal.html", context)


@require_POST
def terminal_end_page(request: HttpRequest) -> HttpResponse:
    """A voter leaves the terminal without voting: sign them out."""
    session_sign_out(request)
    return redirect("voting-terminal")
