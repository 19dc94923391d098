"""A poll with a threshold (2-of-3, "Pedersen") group of trustees beside a Single one. The group establishes its
key with belenios-tool among its members (Hiroba only registers the published threshold_parameters); two of the
three decrypt with belenios-tool from the archive Hiroba exports, and Hiroba combines their shares by Lagrange
interpolation. The export passes Hiroba's verifier and belenios-tool. Requires belenios-tool (required in CI)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from hiroba.core.errors import AppError
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.services import (
    election_close,
    election_open,
    partial_decryption_add,
    result_compute,
    trustees_threshold_register,
)
from hiroba.voting.tests.test_elections import (
    FIRST,
    REVOTE,
    SAKU,
    VOTES,
    Poll,
    belenios_verify,
    export,
    make_poll,
    refused,
    towns,  # noqa: F401 - the autouse fixture making the two towns
)
from hiroba.voting.verifier import verify_archive

pytestmark = pytest.mark.django_db

TOOL = shutil.which("belenios-tool")


def _tool(*args: str, cwd: Path, stdin: str | None = None) -> str:
    if TOOL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("belenios-tool is missing in CI")
        pytest.skip("belenios-tool is not installed")
    env = {**os.environ, "BELENIOS_USE_URANDOM": "1"}
    done = subprocess.run(
        [TOOL, *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def ceremony(directory: Path, *, members: int, threshold: int) -> tuple[str, list[tuple[Path, Path]]]:
    """The group's key establishment, as its members run it with belenios-tool (steps 1 to 6 of section 3.1.1;
    the server only relays the messages). Returns threshold_parameters and each member's (key, decryption key)
    files, in the order of the certificates."""
    directory.mkdir()
    step = ["setup", "generate-trustee-key-threshold", "--group", "BELENIOS-2048"]
    for _ in range(members):
        _tool(*step, "--step", "1", cwd=directory)
    certs = directory / "certs.jsons"
    certs.write_text("".join(p.read_text() for p in sorted(directory.glob("*.cert"))))
    keys = sorted(directory.glob("*.key"))
    _tool(*step, "--certs", str(certs), "--step", "2", cwd=directory)
    polynomials = "".join(
        _tool(
            *step, "--certs", str(certs), "--key", str(k), "--step", "3", "--threshold", str(threshold), cwd=directory
        )
        for k in keys
    )
    (directory / "polynomials.jsons").write_text(polynomials)
    _tool(*step, "--certs", str(certs), "--step", "4", "--polynomials", "polynomials.jsons", cwd=directory)
    outputs = "".join(
        _tool(*step, "--certs", str(certs), "--key", str(k), "--step", "5", cwd=directory,
              stdin=k.with_suffix(".vinput").read_text())
        for k in keys
    )  # fmt: skip
    parameters = _tool(
        *step, "--certs", str(certs), "--step", "6", "--polynomials", "polynomials.jsons", cwd=directory, stdin=outputs
    )
    return parameters.strip(), [(k, k.with_suffix(".dkey")) for k in keys]


def decrypt_with_the_tool(poll: Poll, member: tuple[Path, Path], owner: int, directory: Path) -> str:
    """A group member's partial decryption, made by belenios-tool from the archive Hiroba exported."""
    directory.mkdir()
    export(poll.refresh(), directory)
    key, dkey = member
    out = _tool(
        "election", "decrypt-threshold", "--dir", str(directory), "--key", str(key), "--decryption-key", str(dkey),
        "--trustee-id", str(owner), cwd=directory,
    )  # fmt: skip
    return out.strip()


def test_a_single_trustee_and_two_of_three_threshold_trustees_tally_a_poll_both_tools_verify(tmp_path: Path) -> None:
    # given a draft poll with one Single trustee (owner 1) and a 2-of-3 group established with belenios-tool
    poll = make_poll(trustees=1, open_it=False)
    parameters, members = ceremony(tmp_path / "group", members=3, threshold=2)
    assert trustees_threshold_register(actor=poll.actor, election=poll.election, parameters_json=parameters) == 3
    poll.election = election_open(actor=poll.actor, election=poll.refresh())

    # when three residents vote (one re-votes) and the poll is closed
    poll.cast(0, poll.ballot(0, FIRST))
    for voter, plaintexts in VOTES.items():
        poll.cast(voter, poll.ballot(voter, plaintexts))
    poll.cast(0, poll.ballot(0, REVOTE))
    election_close(actor=poll.actor, election=poll.election)

    # then the Single trustee alone cannot finish, nor with one share of the group
    partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json=poll.decryption(0))
    first = decrypt_with_the_tool(poll, members[0], 2, tmp_path / "d2")
    submit(poll, 2, first, tmp_path)
    refused("voting.result.decryptions_missing", lambda: result_compute(actor=poll.actor, election=poll.election),
            poll.election)  # fmt: skip
    # and with the third member's share (owner 4) the result is the count of the last ballots
    third = decrypt_with_the_tool(poll, members[2], 4, tmp_path / "d4")
    with pytest.raises(CommandError, match="trustee 4's partial decryption, not trustee 3's"):
        submit(poll, 3, third, tmp_path)
    submit(poll, 4, third, tmp_path)
    result_compute(actor=poll.actor, election=poll.election)
    expected = [[1, 0, 2], [1, 1, 3]]  # as in test_elections: question 1 blank/yes/no, question 2 Mon/Wed/Fri
    assert poll.refresh().result == expected

    # and the export passes our verifier and belenios-tool
    path = export(poll.election, _fresh(tmp_path / "final"))
    report = verify_archive(path, workers=1)
    assert report.ok, report.render()
    assert any("Pedersen 2-of-3" in line for line in report.checks)
    tool = belenios_verify(path.parent)
    assert tool.returncode == 0, tool.stdout + tool.stderr


def test_threshold_parameters_that_do_not_check_are_refused(tmp_path: Path) -> None:
    poll = make_poll(trustees=1, open_it=False)
    parameters, _members = ceremony(tmp_path / "group", members=2, threshold=1)
    value = json.loads(parameters)
    value["coefexps"].reverse()  # each member's commitments, now under the other member's signature
    swapped = json_dumps(value)
    refused("voting.trustee.invalid_threshold",
            lambda: trustees_threshold_register(actor=poll.actor, election=poll.election, parameters_json=swapped),
            poll.election)  # fmt: skip
    trustees_threshold_register(actor=poll.actor, election=poll.election, parameters_json=parameters)
    refused("voting.trustee.threshold_registered",
            lambda: trustees_threshold_register(actor=poll.actor, election=poll.election, parameters_json=parameters),
            poll.election)  # fmt: skip


def submit(poll: Poll, owner: int, tool_output: str, directory: Path) -> None:
    """`hiroba voting trustee-submit` with belenios-tool's output as it is (the data line and the owner line)."""
    path = directory / f"decryption-{owner}.json"
    path.write_text(tool_output)
    call_command(
        "voting_trustee_submit", poll.election.uuid, "--owner", str(owner), "--decryption", str(path),
        stdout=io.StringIO(),
    )  # fmt: skip


def _fresh(directory: Path) -> Path:
    directory.mkdir()
    return directory


def test_the_committee_registers_a_threshold_group_on_its_page(tmp_path: Path) -> None:
    poll = make_poll(trustees=1, open_it=False)
    parameters, _members = ceremony(tmp_path / "group", members=3, threshold=2)
    client = Client()
    assert poll.actor.user is not None
    client.force_login(poll.actor.user)
    page = f"/staff/m/{SAKU}/polls/{poll.election.uuid}/trustees/"
    bad = json.loads(parameters)
    bad["threshold"] = 3  # the commitments hold 2 coefficients each
    refused_answer = client.post(
        page, {"action": "threshold", "threshold": SimpleUploadedFile("threshold.json", json_dumps(bad))}
    )
    assert refused_answer.status_code == 422
    assert "voting.trustee.invalid_threshold" in refused_answer.content.decode()
    upload = SimpleUploadedFile("threshold.json", parameters.encode())
    assert client.post(page, {"action": "threshold", "threshold": upload}).status_code == 302
    listed = client.get(page).content.decode()
    assert listed.count('id="trustees"') == 1
    rows = listed.split('<table id="trustees">', 1)[1].split("</table>", 1)[0].count("<tr>")
    assert rows == 1 + 1 + 3  # the header, the Single trustee, the group's three members
    poll.refresh()
    assert poll.election.threshold_parameters is not None


def hiroba_step(directory: Path, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> str:
    """`hiroba voting threshold-key …` run in `directory` (it reads and writes files there, as belenios-tool)."""
    monkeypatch.chdir(directory)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("voting_threshold_key", "--group", "BELENIOS-2048", *args, stdout=out)
    return out.getvalue().strip()


def test_hiroba_and_belenios_tool_members_establish_one_threshold_key_and_tally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a group of three: members 1 and 3 use Hiroba's command, member 2 uses belenios-tool; the committee
    # relays with Hiroba's command (steps 2, 4 and 6)
    room = tmp_path / "group"
    room.mkdir()
    hiroba_step(room, monkeypatch, "--step", "1")
    hiroba_first = set(room.glob("*.key"))
    _tool("setup", "generate-trustee-key-threshold", "--group", "BELENIOS-2048", "--step", "1", cwd=room)
    tool_key = next(iter(set(room.glob("*.key")) - hiroba_first))
    hiroba_step(room, monkeypatch, "--step", "1")
    keys = [next(iter(hiroba_first)), tool_key, next(iter(set(room.glob("*.key")) - hiroba_first - {tool_key}))]
    certs = room / "certs.jsons"
    certs.write_text("".join(k.with_suffix(".cert").read_text() for k in keys))
    assert hiroba_step(room, monkeypatch, "--certs", str(certs), "--step", "2") == "certificates are valid"
    polynomials = [
        hiroba_step(room, monkeypatch, "--certs", str(certs), "--key", str(keys[0]), "--step", "3", "--threshold", "2"),
        _tool("setup", "generate-trustee-key-threshold", "--group", "BELENIOS-2048", "--certs", str(certs),
              "--key", str(keys[1]), "--step", "3", "--threshold", "2", cwd=room).strip(),
        hiroba_step(room, monkeypatch, "--certs", str(certs), "--key", str(keys[2]), "--step", "3", "--threshold", "2"),
    ]  # fmt: skip
    (room / "polynomials.jsons").write_text("\n".join(polynomials) + "\n")
    hiroba_step(room, monkeypatch, "--certs", str(certs), "--step", "4", "--polynomials", "polynomials.jsons")
    voutputs = [
        hiroba_step(room, monkeypatch, "--certs", str(certs), "--key", str(keys[0]), "--step", "5",
                    stdin=(room / "1.vinput").read_text()),
        _tool("setup", "generate-trustee-key-threshold", "--group", "BELENIOS-2048", "--certs", str(certs),
              "--key", str(keys[1]), "--step", "5", cwd=room, stdin=(room / "2.vinput").read_text()).strip(),
        hiroba_step(room, monkeypatch, "--certs", str(certs), "--key", str(keys[2]), "--step", "5",
                    stdin=(room / "3.vinput").read_text()),
    ]  # fmt: skip
    parameters = hiroba_step(
        room, monkeypatch, "--certs", str(certs), "--step", "6", "--polynomials", "polynomials.jsons",
        stdin="\n".join(voutputs) + "\n",
    )  # fmt: skip
    # when a poll with one Single trustee and this group is run
    poll = make_poll(trustees=1, open_it=False)
    assert trustees_threshold_register(actor=poll.actor, election=poll.election, parameters_json=parameters) == 3
    poll.election = election_open(actor=poll.actor, election=poll.refresh())
    for voter, plaintexts in VOTES.items():
        poll.cast(voter, poll.ballot(voter, plaintexts))
    poll.cast(0, poll.ballot(0, REVOTE))
    election_close(actor=poll.actor, election=poll.election)
    partial_decryption_add(actor=poll.actor, election=poll.election, owner=1, decryption_json=poll.decryption(0))
    # then member 2 decrypts with belenios-tool and member 3 with Hiroba, each from the exported archive
    submit(poll, 3, decrypt_with_the_tool(poll, (keys[1], room / "2.dkey"), 3, tmp_path / "d3"), tmp_path)
    archive = export(poll.refresh(), _fresh(tmp_path / "d4"))
    monkeypatch.chdir(tmp_path)
    call_command(
        "voting_trustee_decrypt", str(archive), "--key", str(keys[2]), "--decryption-key", str(room / "3.dkey"),
        "--out", str(tmp_path / "member3.json"), stdout=io.StringIO(),
    )  # fmt: skip
    submit(poll, 4, (tmp_path / "member3.json").read_text(), tmp_path)
    result_compute(actor=poll.actor, election=poll.election)
    assert poll.refresh().result == [[1, 0, 2], [1, 1, 3]]  # voters 1, 2 and voter 0's one ballot (REVOTE)
    path = export(poll.election, _fresh(tmp_path / "final"))
    assert verify_archive(path, workers=1).ok
    tool = belenios_verify(path.parent)
    assert tool.returncode == 0, tool.stdout + tool.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_committee_members_registering_a_group_at_once_register_it_once(tmp_path: Path) -> None:
    poll = make_poll(trustees=1, open_it=False)
    parameters, _members = ceremony(tmp_path / "group", members=2, threshold=1)
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def register(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = trustees_threshold_register(
                actor=poll.actor, election=poll.election, parameters_json=parameters
            )
        except AppError as refusal:
            outcomes[i] = refusal.code
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == ["2", "voting.trustee.threshold_registered"]
