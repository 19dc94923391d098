"""The credential authority's page (Role.CREDENTIALS of the poll's town).

Letter delivery: the page lists the voters; authority.js generates one credential per voter in the browser, shows
the letters to print, and after the authority confirms they are printed, posts only the public credentials
(shuffled, with their weights) here as JSON. The server never receives a private credential. Online delivery: one
button issues the credentials on the server (the weaker trust model). Thin: selectors refuse other towns' staff,
services write."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.core.models import Channel
from hiroba.identity.origin import site_origin
from hiroba.tenancy.selectors import municipality_get, staff_scope
from hiroba.voting import selectors, services
from hiroba.voting.formats.letter import LetterPoll, letter_texts
from hiroba.voting.models import CredentialDelivery, Election, ElectionState

MAX_PER_POST = 2_000  # authority.js posts 1,000 per request (~0.6 MB in 2048-bit groups): a list may take several


def _posted_credentials(request: HttpRequest) -> list[str]:
    try:
        value = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("voting.credentials.malformed", ja="送信内容が正しくありません。", en="Malformed JSON.") from exc
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= MAX_PER_POST
        or not all(isinstance(item, str) for item in value)
    ):
        raise Invalid(
            "voting.credentials.malformed",
            ja="公開認証情報の一覧を送ってください。",
            en=f'Send a JSON list of 1 to {MAX_PER_POST} strings "credential,weight".',
        )
    return value


def _register(request: HttpRequest, election: Election) -> JsonResponse:
    """POST (JSON): a list of public credentials "credential,weight", as `credentials_register` takes them."""
    try:
        added = services.credentials_register(
            actor=Actor.from_request(request, channel=Channel.WEB),
            election=election,
            public_credentials=_posted_credentials(request),
        )
    except AppError as problem:
        body = problem.as_dict()
        body["line"] = problem.line()
        return JsonResponse(body, status=problem.status)
    total = selectors.credential_count(election=election)
    return JsonResponse({"registered": added, "total": total})


@login_required
@require_GET
def polls_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """The town's polls that need (or have) voting credentials."""
    polls = selectors.authority_elections(scope=staff_scope(user=request.user), lg_code=lg_code)
    return render(request, "voting/authority_polls.html", {"m": municipality_get(lg_code=lg_code), "polls": polls})


@login_required
@require_http_methods(["GET", "POST"])
def credentials_page(request: HttpRequest, lg_code: str, uuid: str) -> HttpResponse:
    scope = staff_scope(user=request.user)
    election = selectors.authority_election(scope=scope, lg_code=lg_code, uuid=uuid)
    if request.method == "POST" and request.content_type == "application/json":
        return _register(request, election)
    error = None
    if request.method == "POST":  # the online-delivery button
        try:
            issued = services.credentials_issue_online(
                actor=Actor.from_request(request, channel=Channel.WEB), election=election
            )
        except AppError as problem:
            error = problem
        else:
            messages.success(
                request,
                ngettext(
                    "Issued %(count)d credential for delivery after sign-in.",
                    "Issued %(count)d credentials for delivery after sign-in.",
                    issued,
                )
                % {"count": issued},
            )
            return redirect("staff-voting-credentials", lg_code=lg_code, uuid=uuid)
    voters = selectors.authority_voters(scope=scope, election=election)
    registered = selectors.credential_count(election=election)
    poll = LetterPoll(
        town=election.municipality.name,
        title=election.title,
        booth_url=selectors.booth_url(election=election, origin=site_origin(request)),
        closes_at=timezone.localtime(election.closes_at),
    )
    context = {
        "m": election.municipality,
        "election": election,
        "voters": voters,
        "registered": registered,
        "online": election.credential_delivery == CredentialDelivery.ONLINE,
        "can_issue": election.state == ElectionState.DRAFT and registered == 0 and bool(voters),
        "poll": poll,
        "texts": letter_texts(poll, qr=False),
        "error": error,
    }
    return render(request, "voting/authority.html", context, status=error.status if error else 200)
