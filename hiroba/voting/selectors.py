"""Reads of the voting app. Staff reads are scoped to the election committee of the poll's municipality; the
archive itself is public once the poll is open (anyone may verify it)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from hiroba.core.errors import NotFound
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import StaffScope, scope_require
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.crypto.proofs import Ciphertext
from hiroba.voting.formats.archive import Member, json_loads
from hiroba.voting.formats.structures import Question, fingerprint, parse_question
from hiroba.voting.models import Election, ElectionEvent, EventType, Voter


def election_list(*, lg_code: str | None = None) -> QuerySet[Election]:
    """Every poll (for operators and `hiroba voting list`), or one municipality's, in creation order."""
    rows = Election.objects.order_by("pk")
    return rows if lg_code is None else rows.filter(municipality_id=lg_code)


def election_get(*, ref: str) -> Election:
    """A poll by its number or its Belenios uuid."""
    rows = Election.objects.select_related("municipality")
    election = rows.filter(pk=int(ref)).first() if ref.isdigit() else rows.filter(uuid=ref).first()
    if election is None:
        raise NotFound(
            "voting.election.unknown",
            ja="その投票は見つかりません。",
            en=f"No poll {ref!r}.",
            detail={"election": ref},
        )
    return election


def election_voters(*, scope: StaffScope, election: Election) -> QuerySet[Voter]:
    """The voter list, for the poll's election committee only."""
    scope_require(scope, Role.ELECTION, election.municipality_id)
    return Voter.objects.filter(election=election).order_by("pairwise_id")


def question_structures(election: Election) -> list[Question]:
    return [parse_question(q, f"questions[{i}]") for i, q in enumerate(election.questions)]


def encrypted_tally_get(*, election: Election) -> list[list[Ciphertext[Any]]]:
    """The published encrypted tally (checked when it was computed; decoded without re-checking)."""
    event = ElectionEvent.objects.filter(election=election, type=EventType.ENCRYPTED_TALLY).first()
    if event is None:
        raise NotFound(
            "voting.tally.unknown",
            ja="暗号化された集計はまだ公開されていません。",
            en="The encrypted tally is not published yet.",
        )
    group = group_by_name(election.group)
    raw = bytes(event.members.get(position=0).raw)
    return [
        [Ciphertext(group.decode_trusted(c["alpha"]), group.decode_trusted(c["beta"])) for c in row]
        for row in json_loads(raw)
    ]


def encrypted_tally_raw(*, election: Election) -> bytes:
    """The encrypted tally's JSON bytes, as published (what a trustee decrypts)."""
    event = ElectionEvent.objects.filter(election=election, type=EventType.ENCRYPTED_TALLY).first()
    if event is None:
        raise NotFound(
            "voting.tally.unknown",
            ja="暗号化された集計はまだ公開されていません。",
            en="The encrypted tally is not published yet.",
        )
    return bytes(event.members.get(position=0).raw)


def ballot_tracker(event: ElectionEvent) -> str:
    """The ballot's tracker (smart ballot tracker): H_JSON of its bytes, as Belenios shows it."""
    if event.payload is None:
        raise ValueError("not a ballot event")
    return fingerprint(bytes(event.payload))


def archive_timestamp(election: Election) -> str:
    """The archive header's timestamp: the opening time, so that every export of a poll has the same bytes."""
    if election.opened_at is None:
        raise NotFound(
            "voting.archive.none",
            ja="公開前の投票にはアーカイブがありません。",
            en="A draft poll has no archive yet.",
        )
    return str(int(election.opened_at.timestamp()))


def archive_members(*, election: Election) -> list[Member]:
    """The archive's members in order, rebuilt from the event rows: each event's data members, its payload, the
    event itself (a data member already written is not written again)."""
    members: list[Member] = []
    written: set[bytes] = set()
    events = ElectionEvent.objects.filter(election=election).order_by("height").prefetch_related("members")
    for event in events:
        data = [bytes(m.raw) for m in event.members.all()]
        if event.payload is not None:
            data.append(bytes(event.payload))
        for raw in data:
            if raw not in written:
                written.add(raw)
                members.append(Member("data", raw))
        members.append(Member("event", bytes(event.raw)))
    return members


def event_count(*, election: Election) -> int:
    return ElectionEvent.objects.filter(election=election).count()
