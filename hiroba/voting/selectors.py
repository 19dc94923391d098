"""Reads of the voting app. Staff reads are scoped to the election committee of the poll's municipality; the
archive itself is public once the poll is open (anyone may verify it)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from hiroba.core.audit import subject_ref
from hiroba.core.errors import AppError, Conflict, NotFound, PermissionDenied
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Resident, User
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import StaffScope, scope_require
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.crypto.proofs import Ciphertext
from hiroba.voting.events import VotingEvent
from hiroba.voting.formats.archive import Member, json_loads
from hiroba.voting.formats.structures import Question, fingerprint, parse_question
from hiroba.voting.models import (
    CredentialDelivery,
    Election,
    ElectionEvent,
    ElectionState,
    EventType,
    PublicCredential,
    SealedCredential,
    Trustee,
    TrusteeInvitation,
    Voter,
)
from hiroba.voting.verifier.trustees import pedersen_checked

log = logging.getLogger(__name__)


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


# ----------------------------------------------------------------------------------------------- public board


def question_results(*, election: Election) -> list[dict[str, Any]]:
    """Each question with its answers and, once tallied, the count per answer (blank first where allowed)."""
    out: list[dict[str, Any]] = []
    result = election.result or []
    for i, q in enumerate(election.questions):
        counts = list(result[i]) if i < len(result) else []
        blank = bool(q.get("blank"))
        answers = [{"text": text, "count": counts[j + 1 if blank else j] if counts else None} for j, text in
                   enumerate(q["answers"])]  # fmt: skip
        out.append(
            {
                "text": q["question"],
                "answers": answers,
                "blank": blank,
                "blank_count": counts[0] if counts and blank else None,
                "minimum": q["min"],
                "maximum": q["max"],
            }
        )
    return out


def election_json_raw(*, election: Election) -> bytes:
    """election.json as published at the Setup (the exact bytes the booth encrypts for and fingerprints)."""
    event = ElectionEvent.objects.filter(election=election, type=EventType.SETUP).first()
    if event is None:
        raise NotFound(
            "voting.election.draft", ja="この投票はまだ公開されていません。", en="This poll is not published yet."
        )
    return bytes(event.members.get(position=0).raw)


def public_election_get(*, uuid: str) -> Election:
    """A published poll by its uuid (drafts are the committee's and do not exist for the public)."""
    election = Election.objects.select_related("municipality").filter(uuid=uuid).exclude(state="draft").first()
    if election is None:
        raise NotFound("voting.election.unknown", ja="その投票は見つかりません。", en=f"No poll {uuid!r}.")
    return election


def public_elections(*, lg_code: str | None = None) -> QuerySet[Election]:
    """Published polls, open ones first, then the most recent."""
    rows = Election.objects.select_related("municipality").exclude(state="draft")
    if lg_code is not None:
        rows = rows.filter(municipality_id=lg_code)
    return rows.order_by(models.Case(models.When(state="open", then=0), default=1), "-opened_at", "-pk")


@dataclass(frozen=True)
class BoardEntry:
    height: int
    type: str
    at: datetime
    tracker: str  # ballots: the ballot's tracker; other events: ""
    owner: int | None  # partial decryptions: the trustee


def tracker_of_hash(payload_hash: str) -> str:
    """A ballot's tracker (unpadded Base64 of its SHA-256) from the event's `payload_hash` (the same digest in hex)."""
    return base64.b64encode(bytes.fromhex(payload_hash)).decode().rstrip("=")


def board_entries(*, election: Election, offset: int = 0, limit: int = 100) -> list[BoardEntry]:
    """The archive's events in order, one page of them, each ballot with its tracker."""
    rows = (
        ElectionEvent.objects.filter(election=election)
        .order_by("height")
        .values_list("height", "type", "created_at", "payload_hash", "owner")[offset : offset + limit]
    )
    return [
        BoardEntry(
            height=height,
            type=kind,
            at=at,
            tracker=tracker_of_hash(digest) if kind == EventType.BALLOT and digest else "",
            owner=owner,
        )
        for height, kind, at, digest, owner in rows
    ]


def tracker_find(*, election: Election, tracker: str) -> int | None:
    """The board height of the ballot with this tracker, or None: what a voter checks after casting."""
    try:
        digest = base64.b64decode(tracker + "=" * (-len(tracker) % 4), validate=True)
    except binascii.Error:
        return None
    if len(digest) != 32:  # noqa: PLR2004 - SHA-256
        return None
    return (
        ElectionEvent.objects.filter(election=election, type=EventType.BALLOT, payload_hash=digest.hex())
        .values_list("height", flat=True)
        .first()
    )


def ballot_counts(*, election: Election) -> tuple[int, int]:
    """(ballots posted, credentials that voted): re-votes make the first larger than the second."""
    ballots = ElectionEvent.objects.filter(election=election, type=EventType.BALLOT)
    return ballots.count(), ballots.values("credential").distinct().count()


def booth_refusal(*, election: Election, resident: Resident) -> AppError | None:
    """Why this resident cannot cast a ballot in this poll now (what `ballot_cast` refuses with), or None."""
    now = timezone.now()
    if election.state == ElectionState.DRAFT or (election.state == ElectionState.OPEN and now < election.opens_at):
        return Conflict("voting.ballot.not_open", ja="投票はまだ始まっていません。", en="The poll is not open yet.")
    if election.state != ElectionState.OPEN or now >= election.closes_at:
        return Conflict("voting.ballot.closed", ja="投票は締め切られました。", en="The poll is closed.")
    if (
        resident.municipality_id != election.municipality_id
        or not Voter.objects.filter(election=election, pairwise_id=resident.pairwise_id).exists()
    ):
        return PermissionDenied(
            "voting.ballot.not_a_voter", ja="選挙人名簿に載っていません。", en="You are not on the voter list."
        )
    return None


def my_ballots(*, election: Election, user: User) -> list[tuple[datetime, str]]:
    """(when, tracker) of the ballots this signed-in resident posted in this poll, oldest first: the booth shows
    them so that a voter sees that a re-vote replaces the earlier ballot. Read from the audit records of the casts,
    which name the resident and the tracker but never the vote."""
    rows = AuditRecord.objects.filter(
        tag=VotingEvent.BALLOT_CAST, subject=subject_ref(election), actor=f"user:{user.public_id}"
    ).order_by("occurred_at", "seq")
    return [(r.occurred_at, str(r.data.get("tracker", ""))) for r in rows]


# ----------------------------------------------------------------------------------------------- credential authority


SEALING_LABEL = b"hiroba.voting.sealed-credential.v1"


def authority_elections(*, scope: StaffScope, lg_code: str) -> list[tuple[Election, int, int]]:
    """The town's draft and open polls for its credential authority, newest first, each with its number of voters
    and of public credentials registered (the authority's work is done when they are equal)."""
    scope_require(scope, Role.CREDENTIALS, lg_code)
    rows = (
        Election.objects.filter(municipality_id=lg_code, state__in=[ElectionState.DRAFT, ElectionState.OPEN])
        .annotate(
            n_voters=models.Count("voters", distinct=True), n_credentials=models.Count("credentials", distinct=True)
        )
        .order_by("-created_at", "-pk")
    )
    return [(e, e.n_voters, e.n_credentials) for e in rows]


def authority_election(*, scope: StaffScope, lg_code: str, uuid: str) -> Election:
    """A poll of `lg_code` for its credential authority (Role.CREDENTIALS of that town)."""
    scope_require(scope, Role.CREDENTIALS, lg_code)
    election = Election.objects.select_related("municipality").filter(uuid=uuid, municipality_id=lg_code).first()
    if election is None:
        raise NotFound("voting.election.unknown", ja="その投票は見つかりません。", en=f"No poll {uuid!r}.")
    return election


def voter_reference(pairwise_id: str) -> str:
    """The short reference printed on a voter's letter (XXXX-XXXX, from the pairwise ID the town knows them by): it
    lets the authority put each letter with the right polling-admission card. It says nothing about the credential."""
    body = pairwise_id.partition("_")[2] or pairwise_id
    short = body[:8].upper()
    return f"{short[:4]}-{short[4:]}"


@dataclass(frozen=True)
class AuthorityVoter:
    pairwise_id: str
    name: str
    reference: str
    weight: int


def authority_voters(*, scope: StaffScope, election: Election) -> list[AuthorityVoter]:
    """The voter list with names, for the poll's credential authority only (the letters are addressed by name)."""
    scope_require(scope, Role.CREDENTIALS, election.municipality_id)
    rows = list(Voter.objects.filter(election=election).order_by("pairwise_id").values_list("pairwise_id", "weight"))
    names = dict(
        Resident.objects.filter(
            municipality_id=election.municipality_id, pairwise_id__in=[pid for pid, _ in rows]
        ).values_list("pairwise_id", "person__user__full_name")
    )
    return [
        AuthorityVoter(pairwise_id=pid, name=names.get(pid) or "", reference=voter_reference(pid), weight=weight)
        for pid, weight in rows
    ]


def credential_count(*, election: Election) -> int:
    """Public credentials registered so far."""
    return PublicCredential.objects.filter(election=election).count()


def booth_url(*, election: Election, origin: str) -> str:
    """The voting booth's address, as the letters print it: <site>/polls/<uuid>/vote/."""
    return f"{origin.rstrip('/')}/polls/{election.uuid}/vote/"


def credential_box() -> SecretBox:
    """The SecretBox that seals credentials for online delivery. Its key is derived from SECRET_KEY by HKDF-SHA256
    with a purpose label of its own, so a copy of the database alone opens nothing, and no other use of SECRET_KEY
    yields the same key. Changing SECRET_KEY while an online poll is open makes its credentials unreadable."""
    key = HKDF(algorithm=hashes.SHA256(), length=SecretBox.KEY_SIZE, salt=None, info=SEALING_LABEL).derive(
        settings.SECRET_KEY.encode()
    )
    return SecretBox(key)


def credential_sealed_text(*, uuid: str, pairwise_id: str, credential: str) -> bytes:
    """What is sealed: the credential bound to its poll and voter, so that a sealed value copied to another voter's
    row is refused when opened."""
    return f"{uuid}\n{pairwise_id}\n{credential}".encode()


def credential_delivered(*, election: Election, resident: Resident) -> str | None:
    """For a poll with online delivery: the signed-in voter's own credential while they can cast a ballot (the poll
    open, within its times, the resident on the list), for the booth to fill in; None otherwise."""
    if election.credential_delivery != CredentialDelivery.ONLINE:
        return None
    if booth_refusal(election=election, resident=resident) is not None:
        return None
    row = SealedCredential.objects.filter(election=election, voter__pairwise_id=resident.pairwise_id).first()
    if row is None:
        return None
    try:
        opened = credential_box().decrypt(bytes(row.sealed))
    except CryptoError:
        log.exception("voting.sealed_credential.unreadable", extra={"election": election.pk, "row": row.pk})
        return None
    uuid, pairwise_id, credential = opened.decode().split("\n")
    if uuid != election.uuid or pairwise_id != resident.pairwise_id:
        log.error("voting.sealed_credential.misplaced", extra={"election": election.pk, "row": row.pk})
        return None
    return credential


# ------------------------------------------------------------------------------------ committee and trustee pages

MAX_TRUSTEE_TOKEN_CHARS = 100


def trustee_token_hash(token: str) -> str:
    """What is kept of a trustee's link token."""
    return hashlib.sha256(token.encode()).hexdigest()


def committee_election_list(*, scope: StaffScope, lg_code: str) -> list[Election]:
    """The town's polls, newest first, for its election committee only."""
    scope_require(scope, Role.ELECTION, lg_code)
    return list(Election.objects.filter(municipality_id=lg_code).order_by("-created_at", "-pk"))


def committee_election_get(*, scope: StaffScope, lg_code: str, uuid: str) -> Election:
    """One of the town's polls, for its election committee only (another town's poll: tenancy.forbidden)."""
    scope_require(scope, Role.ELECTION, lg_code)
    election = Election.objects.select_related("municipality").filter(uuid=uuid).first()
    if election is None:
        raise NotFound(
            "voting.election.unknown",
            ja="その投票は見つかりません。",
            en=f"No poll {uuid!r}.",
            detail={"election": uuid},
        )
    if election.municipality_id != lg_code:
        raise tenancy_errors.forbidden(lg_code)
    return election


def threshold_shape(election: Election) -> tuple[int, int]:
    """(members, threshold) of the poll's threshold group of trustees, (0, 0) without one (checked when registered)."""
    if election.threshold_parameters is None:
        return 0, 0
    value = json_loads(bytes(election.threshold_parameters))
    return len(value["verification_keys"]), int(value["threshold"])


def decryption_keys(election: Election) -> tuple[dict[int, Any], list[int], int]:
    """Who may decrypt: {owner: public key} over the Single trustees (1 … s, all needed) and the threshold group's
    verification keys (s+1 … s+n), the Single owners, and how many of the group are needed (0 without a group)."""
    group = group_by_name(election.group)
    keys = {t.position: group.parse(t.public_key) for t in Trustee.objects.filter(election=election)}
    singles = sorted(keys)
    if election.threshold_parameters is None:
        return keys, singles, 0
    _sub_key, verification_keys, threshold = pedersen_checked(
        group, json_loads(bytes(election.threshold_parameters)), "threshold_parameters"
    )
    for index, key in enumerate(verification_keys, start=len(singles) + 1):
        keys[index] = key
    return keys, singles, threshold


@dataclass(frozen=True, slots=True)
class TrusteeLine:
    name: str
    position: int | None  # None: invited, no key registered yet
    via_link: bool
    decrypted: bool
    in_group: bool = False  # a member of the threshold group (its name is its number within the group)


@dataclass(frozen=True, slots=True)
class PollStatus:
    """What the committee's checklist shows before opening, and the tally's progress after closing."""

    election: Election
    voters: int
    voters_weight: int
    credentials: int
    credentials_weight: int
    credentials_match: bool  # one credential per voter, with the voter's weight
    trustees: list[TrusteeLine]
    ballots: int
    threshold: int  # members of the threshold group needed to decrypt (0: no group)

    @property
    def registered(self) -> int:
        return sum(1 for t in self.trustees if t.position is not None)

    @property
    def waiting(self) -> int:
        return sum(1 for t in self.trustees if t.position is None)

    @property
    def decrypted(self) -> int:
        return sum(1 for t in self.trustees if t.decrypted)

    @property
    def ready_for_result(self) -> bool:
        """Every Single trustee and `threshold` members of the group have decrypted."""
        singles = [t for t in self.trustees if t.position is not None and not t.in_group]
        shares = sum(1 for t in self.trustees if t.in_group and t.decrypted)
        return self.registered > 0 and all(t.decrypted for t in singles) and shares >= self.threshold


def poll_status(*, scope: StaffScope, election: Election) -> PollStatus:
    scope_require(scope, Role.ELECTION, election.municipality_id)
    voter_weights = sorted(Voter.objects.filter(election=election).values_list("weight", flat=True))
    credential_weights = sorted(PublicCredential.objects.filter(election=election).values_list("weight", flat=True))
    decrypted = set(
        ElectionEvent.objects.filter(election=election, type=EventType.PARTIAL_DECRYPTION).values_list(
            "owner", flat=True
        )
    )
    linked = set(
        TrusteeInvitation.objects.filter(election=election, trustee__isnull=False).values_list("trustee_id", flat=True)
    )
    lines = [
        TrusteeLine(name=t.name, position=t.position, via_link=t.pk in linked, decrypted=t.position in decrypted)
        for t in Trustee.objects.filter(election=election).order_by("position")
    ]
    members, threshold = threshold_shape(election)
    singles = len(lines)
    lines += [
        TrusteeLine(
            name=str(i), position=singles + i, via_link=False, decrypted=singles + i in decrypted, in_group=True
        )
        for i in range(1, members + 1)
    ]
    lines += [
        TrusteeLine(name=i.name, position=None, via_link=True, decrypted=False)
        for i in TrusteeInvitation.objects.filter(election=election, trustee__isnull=True).order_by("created_at", "pk")
    ]
    return PollStatus(
        election=election,
        voters=len(voter_weights),
        voters_weight=sum(voter_weights),
        credentials=len(credential_weights),
        credentials_weight=sum(credential_weights),
        credentials_match=bool(voter_weights) and voter_weights == credential_weights,
        trustees=lines,
        ballots=ElectionEvent.objects.filter(election=election, type=EventType.BALLOT).count(),
        threshold=threshold,
    )


def trustee_invitation_get(*, token: str) -> TrusteeInvitation:
    """The invitation a trustee's link names (looked up by the token's hash), or NotFound."""
    invitation = None
    if 0 < len(token) <= MAX_TRUSTEE_TOKEN_CHARS:
        invitation = (
            TrusteeInvitation.objects.select_related("election", "election__municipality", "trustee")
            .filter(token_hash=trustee_token_hash(token))
            .first()
        )
    if invitation is None:
        raise NotFound(
            "voting.trustee_link.unknown",
            ja="この管理者用リンクは無効です。選挙管理委員会から届いたリンクを確かめてください。",
            en="This trustee link is not valid. Check the link the election committee sent you.",
        )
    return invitation


@dataclass(frozen=True, slots=True)
class TrusteeLinkView:
    """What a trustee's link page shows: `step` is keygen (draft, no key yet), too_late (opened without their key),
    waiting (key registered, poll not closed), decrypt (closed, not decrypted yet) or done."""

    invitation: TrusteeInvitation
    election: Election
    step: str
    number: int  # the invitation's order in the poll (names the private key file)
    tally: str  # the published encrypted tally (step decrypt), as the trustee decrypts it


def trustee_link_view(*, invitation: TrusteeInvitation) -> TrusteeLinkView:
    election = invitation.election
    trustee = invitation.trustee
    tally = ""
    if trustee is None:
        step = "keygen" if election.state == ElectionState.DRAFT else "too_late"
    elif election.state in {ElectionState.DRAFT, ElectionState.OPEN}:
        step = "waiting"
    elif (
        election.state == ElectionState.TALLIED
        or ElectionEvent.objects.filter(
            election=election, type=EventType.PARTIAL_DECRYPTION, owner=trustee.position
        ).exists()
    ):
        step = "done"
    else:
        step = "decrypt"
        tally = encrypted_tally_raw(election=election).decode()
    number = TrusteeInvitation.objects.filter(election=election, pk__lte=invitation.pk).count()
    return TrusteeLinkView(invitation=invitation, election=election, step=step, number=number, tally=tally)
