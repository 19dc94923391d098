"""A poll run by the server end to end, every refusal (code, audit record, board unchanged), and tenancy."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import AccountKind, Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import Municipality, Role, RoleGrant, Staff
from hiroba.tenancy.selectors import staff_scope
from hiroba.voting.crypto.ballot import ballot_create, proof_json
from hiroba.voting.crypto.credentials import credential_generate, credential_secret
from hiroba.voting.crypto.groups import Group, group_by_name
from hiroba.voting.crypto.proofs import ballot_sign, decryption_factor_prove, pok_prove
from hiroba.voting.events import VotingEvent
from hiroba.voting.formats.archive import json_dumps, write_archive
from hiroba.voting.formats.structures import ballot_signed_hash
from hiroba.voting.models import Election, ElectionEvent, ElectionState, Voter
from hiroba.voting.selectors import (
    archive_members,
    archive_timestamp,
    ballot_tracker,
    election_voters,
    encrypted_tally_get,
    event_count,
    question_structures,
)
from hiroba.voting.services import (
    age_reached,
    ballot_cast,
    ballot_size_limit,
    credentials_register,
    election_close,
    election_create,
    election_open,
    election_questions_set,
    partial_decryption_add,
    question_choose,
    question_yes_no,
    result_compute,
    trustee_register,
    voters_enroll,
)
from hiroba.voting.verifier import verify_archive

pytestmark = pytest.mark.django_db

SAKU, SAITAMA = "202177", "111007"
TOOL = shutil.which("belenios-tool")
QUESTIONS = [
    question_yes_no("駅前に公園を整備しますか", blank=True),
    question_choose("図書館の開館日を増やすなら(1〜2つ)", ["月", "水", "金"], minimum=1, maximum=2),
]


@pytest.fixture(autouse=True)
def towns(db: None) -> None:
    Municipality.objects.create(lg_code=SAKU, name="佐久市", name_kana="さくし", name_en="Saku City")
    Municipality.objects.create(lg_code=SAITAMA, name="さいたま市", name_kana="さいたまし", name_en="Saitama City")


def committee(lg_code: str, role: Role = Role.ELECTION) -> Actor:
    """A staff member holding the town's election role (選挙管理委員会), or the given one."""
    user = User.objects.create_user(f"c_{secrets.token_hex(4)}", None, full_name="選管 職員", kind=AccountKind.STAFF)
    staff = Staff.objects.create(user=user, municipality_id=lg_code)
    RoleGrant.objects.create(
        staff=staff, municipality_id=lg_code, role=role, starts_on=timezone.localdate() - dt.timedelta(days=1)
    )
    return Actor.for_user(user, channel=Channel.WEB)


def authority(lg_code: str) -> Actor:
    """A staff member holding the town's credential-authority role (a separate role from the committee's)."""
    return committee(lg_code, Role.CREDENTIALS)


def as_resident(resident: Resident) -> Actor:
    assert resident.person is not None
    return Actor.for_user(resident.person.user, channel=Channel.WEB)


def trustee_key_json(group: Group[Any], x: int) -> str:
    return json_dumps({"pok": proof_json(pok_prove(group, x)), "public_key": group.to_str(group.g_pow(x))}).decode()


@dataclass
class Poll:
    election: Election
    actor: Actor
    residents: list[Resident]
    secrets: list[int]  # the voters' credential secrets, in the order of `residents` (what the letters carry)
    keys: list[int]  # the trustees' private keys (kept by the trustees, never by the server)

    @property
    def group(self) -> Group[Any]:
        return group_by_name(self.election.group)

    def refresh(self) -> Election:
        self.election.refresh_from_db()
        return self.election

    def ballot(self, voter: int, plaintexts: list[list[int]], *, secret: int | None = None) -> dict[str, Any]:
        election, group = self.refresh(), self.group
        return ballot_create(
            group,
            y=group.parse(election.public_key),
            election_uuid=election.uuid,
            election_fingerprint=election.fingerprint,
            credential_secret=self.secrets[voter] if secret is None else secret,
            questions=question_structures(election),
            plaintexts=plaintexts,
        )

    def cast(self, voter: int, ballot: dict[str, Any] | bytes) -> ElectionEvent:
        raw = ballot if isinstance(ballot, bytes) else json_dumps(ballot)
        resident = self.residents[voter]
        return ballot_cast(actor=as_resident(resident), election=self.election, resident=resident, ballot_json=raw)

    def decryption(self, trustee: int, *, key: int | None = None) -> str:
        group, election = self.group, self.refresh()
        x = self.keys[trustee] if key is None else key
        pairs = [
            [decryption_factor_prove(group, election.fingerprint, x, ct.alpha) for ct in row]
            for row in encrypted_tally_get(election=election)
        ]
        return json_dumps(
            {
                "decryption_factors": [[group.to_str(f) for f, _ in row] for row in pairs],
                "decryption_proofs": [[proof_json(p) for _, p in row] for row in pairs],
            }
        ).decode()


def make_poll(
    *,
    group: str = "BELENIOS-2048",
    voters: int = 3,
    trustees: int = 3,
    opens_in: dt.timedelta = dt.timedelta(hours=-1),
    open_it: bool = True,
    all_residents: bool = False,
) -> Poll:
    actor = committee(SAKU)
    residents = [make_resident(SAKU, f"住民 {i}") for i in range(voters)]
    now = timezone.now()
    election = election_create(
        actor=actor,
        lg_code=SAKU,
        title="駅前整備についての住民投票",
        questions=QUESTIONS,
        opens_at=now + opens_in,
        closes_at=now + opens_in + dt.timedelta(hours=3),
        group=group,
    )
    if all_residents:  # every adult resident of the town (the only ones in the test database)
        voters_enroll(actor=actor, election=election)
    else:
        voters_enroll(actor=actor, election=election, imported=[(r.pairwise_id, 1) for r in residents])
    g = group_by_name(group)
    # The credential authority: private credentials go on the letters; only g^s reaches the server.
    secrets_ = [credential_secret(g, credential_generate(), election.uuid) for _ in residents]
    credentials_register(
        actor=authority(SAKU), election=election, public_credentials=[g.to_str(g.g_pow(s)) for s in secrets_]
    )
    keys = [g.random_scalar() for _ in range(trustees)]
    for i, x in enumerate(keys, start=1):
        trustee_register(actor=actor, election=election, name=f"管理者 {i}", public_key_json=trustee_key_json(g, x))
    if open_it:
        election = election_open(actor=actor, election=election)
    return Poll(election, actor, residents, secrets_, keys)


def export(election: Election, directory: Path) -> Path:
    path = directory / f"{election.uuid}.bel"
    write_archive(path, timestamp=archive_timestamp(election), members=archive_members(election=election))
    return path


def belenios_verify(directory: Path) -> subprocess.CompletedProcess[str]:
    if TOOL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("belenios-tool is missing in CI")
        pytest.skip("belenios-tool is not installed")
    return subprocess.run(
        [TOOL, "election", "verify", "--dir", str(directory)], capture_output=True, text=True, check=False, timeout=120
    )


# Voter 0 votes, re-votes at the end; voters 1 and 2 vote once (voter 2 blank on question 1).
FIRST = [[0, 1, 0], [1, 0, 0]]
VOTES = {1: [[0, 0, 1], [0, 1, 1]], 2: [[1, 0, 0], [0, 0, 1]]}
REVOTE = [[0, 0, 1], [1, 0, 1]]
EXPECTED = [[1, 0, 2], [1, 1, 3]]  # question 1: blank, yes, no; question 2: Mon, Wed, Fri


def run_poll(poll: Poll) -> None:
    """Cast the four ballots, close, decrypt with every trustee, publish the result."""
    poll.cast(0, poll.ballot(0, FIRST))
    for voter, plaintexts in VOTES.items():
        poll.cast(voter, poll.ballot(voter, plaintexts))
    poll.cast(0, poll.ballot(0, REVOTE))
    election_close(actor=poll.actor, election=poll.election)
    for trustee in range(len(poll.keys)):
        partial_decryption_add(
            actor=poll.actor, election=poll.election, owner=trustee + 1, decryption_json=poll.decryption(trustee)
        )
    result_compute(actor=poll.actor, election=poll.election)


# ------------------------------------------------------------------------------------------------ end to end


def test_poll_end_to_end_verifies_with_ours_and_belenios_tool(tmp_path: Path) -> None:
    # given a poll of the town's 3 adult residents, with 3 trustees, opened
    poll = make_poll(all_residents=True)
    assert poll.election.state == ElectionState.OPEN
    assert Voter.objects.filter(election=poll.election).count() == 3
    # when three residents vote, one re-votes, and the poll is closed, decrypted and tallied
    run_poll(poll)
    # then every ballot is kept, the last one per credential counts, and the result is published
    election = poll.refresh()
    assert election.state == ElectionState.TALLIED
    assert election.result == EXPECTED
    types = list(ElectionEvent.objects.filter(election=election).order_by("height").values_list("type", flat=True))
    assert types == ["Setup", *["Ballot"] * 4, "EndBallots", "EncryptedTally", *["PartialDecryption"] * 3, "Result"]
    assert AuditRecord.objects.filter(tag=VotingEvent.BALLOT_CAST, chain_id=SAKU).count() == 4
    # and the export passes our verifier and belenios-tool
    path = export(election, tmp_path)
    report = verify_archive(path, workers=1)
    assert report.ok, report.render()
    assert report.result == EXPECTED
    tool = belenios_verify(tmp_path)
    assert tool.returncode == 0, tool.stdout + tool.stderr
    # and exporting again gives the same bytes (the header's timestamp is the opening time)
    again = tmp_path / "again"
    again.mkdir()
    assert export(election, again).read_bytes() == path.read_bytes()


def test_open_poll_exports_a_verifiable_archive_with_tracker(tmp_path: Path) -> None:
    poll = make_poll(trustees=1, voters=1)
    event = poll.cast(0, poll.ballot(0, FIRST))
    assert len(ballot_tracker(event)) == 43
    report = verify_archive(export(poll.refresh(), tmp_path), workers=1)
    assert report.ok, report.render()


def test_rfc3526_poll_verifies_with_ours_and_belenios_tool(tmp_path: Path) -> None:
    # one voter and one trustee: RFC-3526-2048 exponents are 2048 bits, eight times BELENIOS-2048's cost
    poll = make_poll(group="RFC-3526-2048", voters=1, trustees=1)
    poll.cast(0, poll.ballot(0, REVOTE))
    election_close(actor=poll.actor, election=poll.election)
    partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json=poll.decryption(0))
    result_compute(actor=poll.actor, election=poll.election)
    assert poll.refresh().result == REVOTE
    report = verify_archive(export(poll.election, tmp_path), workers=1)
    assert report.ok, report.render()
    tool = belenios_verify(tmp_path)
    assert tool.returncode == 0, tool.stdout + tool.stderr


def test_ed25519_poll_end_to_end(tmp_path: Path) -> None:
    poll = make_poll(group="Ed25519")
    run_poll(poll)
    assert poll.refresh().result == EXPECTED
    report = verify_archive(export(poll.election, tmp_path), workers=1)
    assert report.ok, report.render()


def test_voter_list_follows_the_minimum_age() -> None:
    actor = committee(SAKU)
    adult = make_resident(SAKU, "大人")
    young = make_resident(SAKU, "子ども")
    assert young.person is not None
    opens = timezone.now() + dt.timedelta(days=1)
    young.person.birth_year = timezone.localdate(opens).year - 17
    young.person.save()
    make_resident(SAITAMA, "他市の人")
    election = election_create(
        actor=actor, lg_code=SAKU, title="t", questions=QUESTIONS, opens_at=opens, closes_at=opens + dt.timedelta(1)
    )
    added = voters_enroll(actor=actor, election=election)
    assert [v.pairwise_id for v in added] == [adult.pairwise_id]
    assert age_reached(birth_year_month="2008-05", minimum_age=18, on=dt.date(2026, 6, 1))
    assert not age_reached(birth_year_month="2008-06", minimum_age=18, on=dt.date(2026, 6, 30))


def test_imported_voter_list_with_weights() -> None:
    actor = committee(SAKU)
    a, b = make_resident(SAKU), make_resident(SAKU)
    now = timezone.now()
    election = election_create(
        actor=actor, lg_code=SAKU, title="t", questions=QUESTIONS, opens_at=now, closes_at=now + dt.timedelta(1)
    )
    voters_enroll(actor=actor, election=election, imported=[(a.pairwise_id, 2), (b.pairwise_id, 1)])
    assert dict(Voter.objects.filter(election=election).values_list("pairwise_id", "weight")) == {
        a.pairwise_id: 2,
        b.pairwise_id: 1,
    }
    refused(
        "identity.resident_unknown",
        lambda: voters_enroll(actor=actor, election=election, imported=[("nobody", 1)]),
        election,
    )


# ------------------------------------------------------------------------------------------------ refusals


def refused(code: str, act: Callable[[], object], election: Election) -> AppError:
    """The act is refused with `code`, the board keeps its events, and the refusal is in the audit log."""
    events = event_count(election=election)
    records = AuditRecord.objects.filter(tag=VotingEvent.REFUSED, data__code=code).count()
    with pytest.raises(AppError) as caught:
        act()
    assert caught.value.code == code, caught.value
    assert event_count(election=election) == events
    assert AuditRecord.objects.filter(tag=VotingEvent.REFUSED, data__code=code).count() == records + 1
    return caught.value


def _resigned(poll: Poll, voter: int, ballot: dict[str, Any]) -> dict[str, Any]:
    """The ballot signed again with the voter's credential after a change (so only the change is wrong)."""
    signed = ballot_signed_hash(ballot)
    ballot["signature"] = {"hash": signed, "proof": proof_json(ballot_sign(poll.group, poll.secrets[voter], signed))}
    return ballot


def test_ballot_refusals() -> None:
    poll = make_poll(trustees=1)
    election, group = poll.election, poll.group

    # an invalid proof (the individual proof changed, the ballot signed again)
    bad_proof = poll.ballot(0, FIRST)
    proof = bad_proof["answers"][0]["individual_proofs"][0][0]
    proof["response"] = str((int(proof["response"]) + 1) % group.q)
    error = refused("voting.ballot.invalid_proof", lambda: poll.cast(0, _resigned(poll, 0, bad_proof)), election)
    assert "proof" in error.message_en  # the verifier's reason is passed on

    # a wrong credential signature
    bad_signature = poll.ballot(0, FIRST)
    bad_signature["signature"]["proof"]["response"] = "1"
    refused("voting.ballot.bad_signature", lambda: poll.cast(0, bad_signature), election)
    other_signer = poll.ballot(0, FIRST)
    other_signer["signature"]["proof"] = proof_json(
        ballot_sign(group, poll.secrets[1], ballot_signed_hash(other_signer))
    )
    refused("voting.ballot.bad_signature", lambda: poll.cast(0, other_signer), election)

    # an unknown credential
    stranger = credential_secret(group, credential_generate(), election.uuid)
    refused("voting.ballot.unknown_credential", lambda: poll.cast(0, poll.ballot(0, FIRST, secret=stranger)), election)

    # malformed and oversized ballots
    refused("voting.ballot.malformed", lambda: poll.cast(0, b"{not json"), election)
    refused("voting.ballot.malformed", lambda: poll.cast(0, b'{"election_uuid":"x"}'), election)
    refused("voting.ballot.malformed", lambda: poll.cast(0, json_dumps(poll.ballot(0, FIRST)) + b" "), election)
    one_answer = poll.ballot(0, FIRST)
    one_answer["answers"].pop()
    refused("voting.ballot.malformed", lambda: poll.cast(0, _resigned(poll, 0, one_answer)), election)
    refused("voting.ballot.oversized", lambda: poll.cast(0, b" " * (ballot_size_limit(election) + 1)), election)

    # a ballot for another election (its uuid changed, signed again)
    elsewhere = poll.ballot(0, FIRST)
    elsewhere["election_uuid"] = "A" * 14
    refused("voting.ballot.wrong_election", lambda: poll.cast(0, _resigned(poll, 0, elsewhere)), election)

    # the same ballot posted twice
    good = json_dumps(poll.ballot(0, FIRST))
    poll.cast(0, good)
    refused("voting.ballot.duplicate", lambda: poll.cast(0, good), election)


def test_voters_outside_the_list_are_refused() -> None:
    poll = make_poll(trustees=1, voters=1)
    ballot = poll.ballot(0, FIRST)
    late_comer = make_resident(SAKU, "名簿にない住民")
    elsewhere = make_resident(SAITAMA, "他市の住民")
    for resident in (late_comer, elsewhere):
        refused(
            "voting.ballot.not_a_voter",
            lambda r=resident: ballot_cast(  # type: ignore[misc]
                actor=as_resident(r), election=poll.election, resident=r, ballot_json=json_dumps(ballot)
            ),
            poll.election,
        )
    # nobody may cast for a resident (the staff member is not the resident)
    refused(
        "voting.ballot.not_the_voter",
        lambda: ballot_cast(
            actor=poll.actor, election=poll.election, resident=poll.residents[0], ballot_json=json_dumps(ballot)
        ),
        poll.election,
    )


def test_ballots_before_opening_and_after_closing_are_refused() -> None:
    draft = make_poll(trustees=1, voters=1, open_it=False)
    refused("voting.ballot.not_open", lambda: draft.cast(0, b"{}"), draft.election)
    early = make_poll(trustees=1, voters=1, opens_in=dt.timedelta(hours=1))
    refused("voting.ballot.not_open", lambda: early.cast(0, early.ballot(0, FIRST)), early.election)

    poll = make_poll(trustees=1, voters=1)
    ballot = poll.ballot(0, FIRST)
    election_close(actor=poll.actor, election=poll.election)
    refused("voting.ballot.closed", lambda: poll.cast(0, ballot), poll.election)
    # the same after the closing time while the committee has not closed it yet
    late = make_poll(trustees=1, voters=1)
    late_ballot = late.ballot(0, FIRST)
    Election.objects.filter(pk=late.election.pk).update(
        opens_at=timezone.now() - dt.timedelta(hours=2), closes_at=timezone.now() - dt.timedelta(seconds=1)
    )
    refused("voting.ballot.closed", lambda: late.cast(0, late_ballot), late.election)


def test_decryption_and_result_refusals() -> None:
    poll = make_poll(trustees=2, voters=1)
    poll.cast(0, poll.ballot(0, FIRST))
    refused(
        "voting.election.wrong_state",
        lambda: partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json="{}"),
        poll.election,
    )
    election_close(actor=poll.actor, election=poll.election)
    # a partial decryption made with another key than trustee 1's
    wrong = poll.decryption(0, key=poll.keys[1])
    refused(
        "voting.decryption.invalid_proof",
        lambda: partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json=wrong),
        poll.election,
    )
    refused(
        "voting.decryption.malformed",
        lambda: partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json="[]"),
        poll.election,
    )
    refused(
        "voting.decryption.unknown_trustee",
        lambda: partial_decryption_add(
            actor=poll.actor, election=poll.election, owner=3, decryption_json=poll.decryption(0)
        ),
        poll.election,
    )
    partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json=poll.decryption(0))
    refused(
        "voting.decryption.duplicate",
        lambda: partial_decryption_add(
            actor=poll.actor, election=poll.election, owner=1, decryption_json=poll.decryption(0)
        ),
        poll.election,
    )
    refused(
        "voting.result.decryptions_missing",
        lambda: result_compute(actor=poll.actor, election=poll.election),
        poll.election,
    )


def test_setup_refusals() -> None:
    poll = make_poll(trustees=1, voters=2, open_it=False)
    election, group = poll.election, poll.group
    # a trustee key whose proof is not for that key
    x, other = group.random_scalar(), group.random_scalar()
    forged = json_dumps({"pok": proof_json(pok_prove(group, other)), "public_key": group.to_str(group.g_pow(x))})
    refused(
        "voting.trustee.invalid_proof",
        lambda: trustee_register(actor=poll.actor, election=election, name="x", public_key_json=forged),
        election,
    )
    refused(
        "voting.trustee.duplicate",
        lambda: trustee_register(
            actor=poll.actor, election=election, name="x", public_key_json=trustee_key_json(group, poll.keys[0])
        ),
        election,
    )
    # credentials: repeated, not in the group, more than the voters
    issuer = authority(SAKU)
    existing = group.to_str(group.g_pow(poll.secrets[0]))
    refused(
        "voting.credentials.duplicate",
        lambda: credentials_register(actor=issuer, election=election, public_credentials=[existing]),
        election,
    )
    ed = group_by_name("Ed25519")
    refused(
        "voting.credentials.wrong_group",
        lambda: credentials_register(actor=issuer, election=election, public_credentials=[ed.to_str(ed.g_pow(5))]),
        election,
    )
    refused(
        "voting.credentials.too_many",
        lambda: credentials_register(
            actor=issuer, election=election, public_credentials=[group.to_str(group.g_pow(7))]
        ),
        election,
    )
    refused("voting.voters.locked", lambda: voters_enroll(actor=poll.actor, election=election), election)
    refused(
        "voting.questions.invalid",
        lambda: election_create(
            actor=poll.actor,
            lg_code=SAKU,
            title="t",
            questions=[{"question": "q", "answers": ["a"], "min": 1, "max": 2}],
            opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(1),
        ),
        election,
    )


def test_questions_change_only_while_draft() -> None:
    poll = make_poll(trustees=1, voters=1, open_it=False)
    election = election_questions_set(actor=poll.actor, election=poll.election, questions=QUESTIONS[:1])
    assert election.questions == QUESTIONS[:1]
    election_open(actor=poll.actor, election=election)
    refused(
        "voting.election.wrong_state",
        lambda: election_questions_set(actor=poll.actor, election=election, questions=QUESTIONS),
        election,
    )


def test_opening_needs_one_credential_per_voter_with_its_weight() -> None:
    actor = committee(SAKU)
    a, b = make_resident(SAKU), make_resident(SAKU)
    now = timezone.now()
    election = election_create(
        actor=actor, lg_code=SAKU, title="t", questions=QUESTIONS, opens_at=now, closes_at=now + dt.timedelta(1)
    )
    voters_enroll(actor=actor, election=election, imported=[(a.pairwise_id, 2), (b.pairwise_id, 1)])
    group = group_by_name(election.group)
    trustee_register(actor=actor, election=election, name="t", public_key_json=trustee_key_json(group, 11))
    issuer = authority(SAKU)
    credentials_register(actor=issuer, election=election, public_credentials=[f"{group.to_str(group.g_pow(3))},1"])
    refused("voting.credentials.mismatch", lambda: election_open(actor=actor, election=election), election)
    credentials_register(actor=issuer, election=election, public_credentials=[f"{group.to_str(group.g_pow(4))},1"])
    refused("voting.credentials.mismatch", lambda: election_open(actor=actor, election=election), election)
    assert Election.objects.get(pk=election.pk).state == ElectionState.DRAFT


def test_election_json_has_the_specification_field_order() -> None:
    poll = make_poll(trustees=1, voters=1)
    setup = ElectionEvent.objects.get(election=poll.election, height=0)
    election_raw = bytes(setup.members.get(position=0).raw)
    assert election_raw.startswith(b'{"version":1,"description":"","name":"')
    assert '{"answers":["賛成","反対"],"blank":true,"min":1,"max":1,"question":' in election_raw.decode()


def test_unknown_town_is_refused_on_the_platform_chain() -> None:
    actor = committee(SAKU)
    with pytest.raises(AppError) as caught:
        election_create(
            actor=actor,
            lg_code="131016",
            title="t",
            questions=QUESTIONS,
            opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(1),
        )
    assert caught.value.code == "tenancy.municipality.unknown"
    record = AuditRecord.objects.get(tag=VotingEvent.REFUSED)
    assert record.chain_id == "platform"
    assert record.data == {"act": "election_create", "code": "tenancy.municipality.unknown"}


def test_database_refuses_a_second_setup_and_a_forked_height() -> None:
    poll = make_poll(trustees=1, voters=1)
    setup = ElectionEvent.objects.get(election=poll.election, height=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ElectionEvent.objects.create(
            election=poll.election, height=1, type="Setup", parent=setup.hash, hash="0" * 64, raw=b"x", payload=b"y",
            payload_hash="1" * 64,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Election.objects.filter(pk=poll.election.pk).update(state="tallied")  # tallied without a result
    with pytest.raises(IntegrityError), transaction.atomic():  # the event log is append-only (a trigger)
        ElectionEvent.objects.filter(pk=setup.pk).update(raw=b"{}")


# ------------------------------------------------------------------------------------------------ tenancy


def test_another_towns_committee_cannot_act_on_the_election() -> None:
    poll = make_poll(trustees=1, voters=1, open_it=False)
    stranger = committee(SAITAMA)
    election, group = poll.election, poll.group
    acts: list[Callable[[], object]] = [
        lambda: voters_enroll(actor=stranger, election=election),
        lambda: trustee_register(
            actor=stranger, election=election, name="x", public_key_json=trustee_key_json(group, 5)
        ),
        lambda: credentials_register(actor=stranger, election=election, public_credentials=[group.to_str(group.g)]),
        lambda: election_open(actor=stranger, election=election),
        lambda: election_create(
            actor=stranger,
            lg_code=SAKU,
            title="t",
            questions=QUESTIONS,
            opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(1),
        ),
    ]
    for act in acts:
        refused("tenancy.forbidden", act, election)
    refused(
        "tenancy.forbidden",
        lambda: election_questions_set(actor=stranger, election=election, questions=QUESTIONS[:1]),
        election,
    )
    with pytest.raises(AppError, match=r"tenancy\.forbidden"):
        election_voters(scope=staff_scope(user=stranger.user), election=election)
    assert election_voters(scope=staff_scope(user=poll.actor.user), election=election).count() == 1
    election_open(actor=poll.actor, election=election)
    for act in (
        lambda: election_close(actor=stranger, election=election),
        lambda: result_compute(actor=stranger, election=election),
        lambda: partial_decryption_add(actor=stranger, election=election, owner=1, decryption_json="{}"),
    ):
        refused("tenancy.forbidden", act, election)
    assert poll.refresh().state == ElectionState.OPEN


# ------------------------------------------------------------------------------------------------ concurrency


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ballots_cast_at_the_same_moment_chain_one_after_another(tmp_path: Path) -> None:
    # given an open poll and four signed ballots
    voters = 4
    poll = make_poll(trustees=1, voters=voters)
    ballots = [json_dumps(poll.ballot(i, FIRST)) for i in range(voters)]
    barrier = threading.Barrier(voters)
    outcomes: list[object] = [None] * voters

    def cast(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = poll.cast(i, ballots[i]).height
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcomes[i] = error
        finally:
            connection.close()

    # when they are cast in four threads at once
    threads = [threading.Thread(target=cast, args=(i,)) for i in range(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then each got its own height, and the chain verifies
    assert sorted(outcomes) == [1, 2, 3, 4], outcomes  # type: ignore[type-var]
    report = verify_archive(export(poll.refresh(), tmp_path), workers=1)
    assert report.ok, report.render()
