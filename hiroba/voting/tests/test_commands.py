"""The voting commands: list, the credential authority, trustees' keys and decryptions, export."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.utils import timezone

from hiroba.cli import resolve
from hiroba.core.models import AuditRecord
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.credentials import credential_is_well_formed, credential_public, credential_secret
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.events import VotingEvent
from hiroba.voting.formats.archive import json_dumps, json_loads
from hiroba.voting.models import Election, ElectionState, PublicCredential
from hiroba.voting.services import (
    election_close,
    election_create,
    election_open,
    result_compute,
    trustee_register,
    voters_enroll,
)
from hiroba.voting.tests.test_elections import (
    EXPECTED,
    FIRST,
    QUESTIONS,
    REVOTE,
    SAKU,
    VOTES,
    Poll,
    belenios_verify,
    committee,
    towns,  # noqa: F401 - the autouse fixture making the two towns
)

pytestmark = pytest.mark.django_db


def run(*argv: str) -> str:
    out = io.StringIO()
    call_command(*argv, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_hiroba_voting_commands_map_to_management_commands() -> None:
    commands = set(get_commands())
    for words, command in [
        (["voting", "list"], "voting_list"),
        (["voting", "export"], "voting_export"),
        (["voting", "credentials"], "voting_credentials"),
        (["voting", "trustee-keygen"], "voting_trustee_keygen"),
        (["voting", "trustee-decrypt"], "voting_trustee_decrypt"),
        (["voting", "trustee-submit"], "voting_trustee_submit"),
    ]:
        assert resolve(words, commands)[0] == command


def issue_credentials(election: Election, letters: Path, *, voters: int = 3) -> dict[str, str]:
    """`hiroba voting credentials`: private credentials in a 0600 file, only public ones on the server."""
    run("voting_credentials", election.uuid, "--out", str(letters))
    private = letters / f"{election.uuid}.credentials.tsv"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    rows = [line.split("\t") for line in private.read_text().splitlines() if not line.startswith("#")]
    by_voter = {pid: credential for pid, _, credential in rows}
    assert len(by_voter) == voters
    assert all(credential_is_well_formed(c) for c in by_voter.values())
    # then only the public credentials reached the server
    stored = set(PublicCredential.objects.filter(election=election).values_list("credential", flat=True))
    group = group_by_name(election.group)
    assert stored == {group.to_str(credential_public(group, c, election.uuid)) for c in by_voter.values()}
    with pytest.raises(CommandError, match="never overwritten"):
        run("voting_credentials", election.uuid, "--out", str(letters))

    return by_voter


def test_poll_run_with_the_commands(tmp_path: Path) -> None:
    # given a draft poll with three enrolled residents
    actor = committee(SAKU)
    residents = [make_resident(SAKU, f"住民 {i}") for i in range(3)]
    now = timezone.now()
    election = election_create(
        actor=actor,
        lg_code=SAKU,
        title="コマンドで運営する住民投票",
        questions=QUESTIONS,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=1),
    )
    voters_enroll(actor=actor, election=election)
    assert run("voting_list") == f"{election.pk}\t{SAKU}\tBELENIOS-2048\tdraft\n"

    # when the credential authority issues the credentials
    by_voter = issue_credentials(election, tmp_path / "letters")

    # when two trustees make their keys on their own machines and the committee registers the public halves
    keys = [tmp_path / f"trustee{i}.key" for i in (1, 2)]
    for i, key in enumerate(keys, start=1):
        run("voting_trustee_keygen", "--group", "BELENIOS-2048", "--out", str(key))
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        pubkey = key.with_name(key.name + ".pubkey").read_bytes()
        trustee_register(actor=actor, election=election, name=f"管理者 {i}", public_key_json=pubkey)
    election = election_open(actor=actor, election=election)

    # and the residents vote with the credentials from their letters (one re-votes)
    group_name = election.group
    poll = Poll(
        election=election,
        actor=actor,
        residents=residents,
        secrets=[
            credential_secret(group_by_name(group_name), by_voter[r.pairwise_id], election.uuid) for r in residents
        ],
        keys=[],
    )
    poll.cast(0, poll.ballot(0, FIRST))
    for voter, plaintexts in VOTES.items():
        poll.cast(voter, poll.ballot(voter, plaintexts))
    poll.cast(0, poll.ballot(0, REVOTE))
    election_close(actor=actor, election=election)
    assert run("voting_list").split("\t")[-1] == "closed\n"

    # then trustee 1 decrypts offline from the exported archive and the file is submitted on the server
    exported = tmp_path / "board"
    run("voting_export", election.uuid, "--out", str(exported))
    archive = exported / f"{election.uuid}.bel"
    decryption = tmp_path / "pd1.json"
    assert "trustee 1" in run("voting_trustee_decrypt", str(archive), "--key", str(keys[0]), "--out", str(decryption))
    # (a tampered file is refused, recorded, and nothing is published)
    tampered = json_loads(decryption.read_bytes())
    tampered["decryption_proofs"][0][0]["response"] = "1"
    bad = tmp_path / "bad.json"
    bad.write_bytes(json_dumps(tampered))
    with pytest.raises(CommandError, match=r"voting\.decryption\.invalid_proof"):
        run("voting_trustee_submit", election.uuid, "--owner", "1", "--decryption", str(bad))
    assert AuditRecord.objects.filter(tag=VotingEvent.REFUSED, data__code="voting.decryption.invalid_proof").exists()
    run("voting_trustee_submit", election.uuid, "--owner", "1", "--decryption", str(decryption))
    # and trustee 2 decrypts and submits in one go
    run(
        "voting_trustee_decrypt",
        str(election.pk),
        "--key",
        str(keys[1]),
        "--out",
        str(tmp_path / "pd2.json"),
        "--submit",
    )
    result_compute(actor=actor, election=election)
    election.refresh_from_db()
    assert election.state == ElectionState.TALLIED
    assert election.result == EXPECTED

    # and the export passes `hiroba voting verify` and belenios-tool
    run("voting_export", str(election.pk), "--out", str(exported))
    assert "valid" in run("voting_verify", str(archive), "--workers", "1")
    tool = belenios_verify(exported)
    assert tool.returncode == 0, tool.stdout + tool.stderr
    assert run("voting_list", "--municipality", SAKU) == f"{election.pk}\t{SAKU}\tBELENIOS-2048\ttallied\n"


def test_trustee_decrypt_refuses_a_stranger_key_and_a_readable_key(tmp_path: Path) -> None:
    key = tmp_path / "k"
    run("voting_trustee_keygen", "--out", str(key))
    with pytest.raises(CommandError, match="never overwritten"):
        run("voting_trustee_keygen", "--out", str(key))
    archive = Path(__file__).parent / "archives" / "nofn-belenios2048.bel"
    with pytest.raises(CommandError, match="none of the poll's trustees"):
        run("voting_trustee_decrypt", str(archive), "--key", str(key), "--out", str(tmp_path / "pd"))
    key.chmod(0o644)
    with pytest.raises(CommandError, match="readable by others"):
        run("voting_trustee_decrypt", str(archive), "--key", str(key), "--out", str(tmp_path / "pd"))


def test_export_of_a_draft_is_refused(tmp_path: Path) -> None:
    actor = committee(SAKU)
    now = timezone.now()
    election = election_create(
        actor=actor, lg_code=SAKU, title="t", questions=QUESTIONS, opens_at=now, closes_at=now + dt.timedelta(1)
    )
    with pytest.raises(CommandError, match=r"voting\.archive\.none"):
        run("voting_export", election.uuid, "--out", str(tmp_path))
    with pytest.raises(CommandError, match=r"voting\.election\.unknown"):
        run("voting_export", "nosuchpoll1234", "--out", str(tmp_path))


def test_a_trustee_key_made_by_belenios_tool_works(tmp_path: Path) -> None:
    # given a key pair from `belenios-tool setup generate-trustee-key`, registered for a one-voter poll
    tool = shutil.which("belenios-tool")
    if tool is None:
        belenios_verify(tmp_path)  # skips, or fails in CI
        return
    subprocess.run([tool, "setup", "generate-trustee-key", "--group", "BELENIOS-2048"], cwd=tmp_path, check=True)
    (pubkey,) = tmp_path.glob("*.pubkey")
    (privkey,) = tmp_path.glob("*.privkey")
    privkey.chmod(0o600)
    actor = committee(SAKU)
    resident = make_resident(SAKU)
    now = timezone.now()
    election = election_create(
        actor=actor, lg_code=SAKU, title="t", questions=QUESTIONS, opens_at=now, closes_at=now + dt.timedelta(1)
    )
    voters_enroll(actor=actor, election=election, imported=[(resident.pairwise_id, 1)])
    by_voter = issue_credentials(election, tmp_path / "letters", voters=1)
    trustee_register(actor=actor, election=election, name="belenios-tool", public_key_json=pubkey.read_bytes())
    election = election_open(actor=actor, election=election)
    group = group_by_name(election.group)
    poll = Poll(
        election, actor, [resident], [credential_secret(group, by_voter[resident.pairwise_id], election.uuid)], []
    )
    poll.cast(0, poll.ballot(0, REVOTE))
    election_close(actor=actor, election=election)
    # when the trustee decrypts with the private key belenios-tool wrote
    run("voting_trustee_decrypt", election.uuid, "--key", str(privkey), "--out", str(tmp_path / "pd"), "--submit")
    # then the result is the ballot's
    assert result_compute(actor=actor, election=election).result == REVOTE
