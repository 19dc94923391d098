"""Voting endpoints: published polls, their boards, and casting a ballot made and signed on the resident's device.
Reading is public, as the archive is; casting needs the signed-in resident on the poll's voter list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.web import signed_in_resident
from hiroba.voting import selectors
from hiroba.voting.models import Election
from hiroba.voting.schemas import BallotIn, BallotOut, BoardEventOut, PollDetailOut, PollOut
from hiroba.voting.services import ballot_cast

router = Router(tags=["voting"])
MAX_BOARD_PAGE = 500


class BoardQuery(Schema):
    offset: int = 0
    limit: int = 100


def _poll(election: Election) -> dict[str, Any]:
    return {
        "uuid": election.uuid,
        "lg_code": election.municipality_id,
        "municipality": election.municipality.name,
        "title": election.title,
        "group": election.group,
        "state": election.state,
        "opens_at": election.opens_at,
        "closes_at": election.closes_at,
        "fingerprint": election.fingerprint,
    }


@router.get("/voting/polls", response=list[PollOut], auth=None, summary="Published polls (open first)")
def polls(request: HttpRequest, town: str | None = None) -> list[dict[str, Any]]:
    return [_poll(e) for e in selectors.public_elections(lg_code=town)[:200]]


@router.get("/voting/polls/{uuid}", response=PollDetailOut, auth=None, summary="A poll, its questions and result")
def poll(request: HttpRequest, uuid: str) -> dict[str, Any]:
    election = selectors.public_election_get(uuid=uuid)
    ballots, voted = selectors.ballot_counts(election=election)
    return {
        **_poll(election),
        "description": election.description,
        "ballots": ballots,
        "voters_voted": voted,
        "questions": selectors.question_results(election=election),
        "archive": request.build_absolute_uri(reverse("voting-archive", args=[election.uuid])),
    }


@router.get("/voting/polls/{uuid}/board", response=list[BoardEventOut], auth=None, summary="The board's events")
def board(request: HttpRequest, uuid: str, query: Query[BoardQuery]) -> list[Any]:
    election = selectors.public_election_get(uuid=uuid)
    limit = max(1, min(query.limit, MAX_BOARD_PAGE))
    return list(selectors.board_entries(election=election, offset=max(0, query.offset), limit=limit))


@router.post(
    "/voting/polls/{uuid}/ballots",
    response={201: BallotOut},
    auth=django_auth,
    summary="Cast a ballot signed on the device (re-voting replaces the earlier ballot)",
)
def cast(request: HttpRequest, uuid: str, body: BallotIn) -> Status[dict[str, Any]]:
    resident = signed_in_resident(request)
    election = selectors.public_election_get(uuid=uuid)
    actor = Actor.from_request(request, channel=Channel.API)
    event = ballot_cast(actor=actor, election=election, resident=resident, ballot_json=body.ballot)
    return Status(201, {"tracker": selectors.ballot_tracker(event), "height": event.height})
