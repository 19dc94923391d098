"""The verifier accepts every fixture and rejects tampered copies with the right error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hiroba.voting.formats.archive import Archive
from hiroba.voting.tests.helpers import FIXTURES, fixture, rebuild
from hiroba.voting.verifier import verify_archive
from hiroba.voting.verifier.__main__ import main as verifier_main


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_accepts_fixture(name: str) -> None:
    report = verify_archive(fixture(name), workers=1)
    assert report.ok, report.errors
    assert report.result == FIXTURES[name]
    text = "\n".join(report.checks)
    for part in ("hash links", "trustees:", "8 ballot(s)", "5 counted", "encrypted tally: recomputed", "result: all 6"):
        assert part in text or part.replace("hash links", "parent hash links") in text


def test_threshold_report_names_the_pedersen_checks() -> None:
    report = verify_archive(fixture("threshold-belenios2048"), workers=1)
    assert report.ok
    assert any("Pedersen 2-of-3" in line for line in report.checks)
    assert any("(1, 2, 4)" in line for line in report.checks)


def test_process_pool_gives_the_same_report() -> None:
    inline = verify_archive(fixture("nofn-belenios2048"), workers=1)
    pooled = verify_archive(fixture("nofn-belenios2048"), workers=2)
    assert pooled == inline


def test_mixnet_archive_is_refused_with_a_clear_message() -> None:
    report = verify_archive(fixture("mixnet-rfc3526"), workers=1)
    assert not report.ok
    assert any("non-homomorphic (mixnet)" in e for e in report.errors)


def _is_ballot(archive: Archive, digest: str) -> bool:
    return archive.data[digest].startswith(b'{"election_uuid"')


def _first(predicate: Any) -> Any:
    seen = {"done": False}

    def select(archive: Archive, digest: str) -> bool:
        if not seen["done"] and predicate(archive, digest):
            seen["done"] = True
            return True
        return False

    return select


def _bump_response(ballot: dict[str, Any]) -> dict[str, Any]:
    proof = ballot["answers"][1]["overall_proof"][0]
    proof["response"] = str(int(proof["response"]) + 1)
    return ballot


def _change_result(result: dict[str, Any]) -> dict[str, Any]:
    result["result"][1][1] += 1
    return result


def _bad_factor(pd: dict[str, Any]) -> dict[str, Any]:
    pd["decryption_factors"][0][1], pd["decryption_factors"][0][2] = (
        pd["decryption_factors"][0][2],
        pd["decryption_factors"][0][1],
    )
    return pd


NAMES = ["nofn-belenios2048", "threshold-belenios2048", "nofn-ed25519-hiroba"]


@pytest.mark.parametrize("name", NAMES)
def test_rejects_a_changed_ballot(name: str, tmp_path: Path) -> None:
    rebuild(fixture(name), tmp_path / "t.bel", select=_first(_is_ballot), change_data=_bump_response)
    report = verify_archive(tmp_path / "t.bel", workers=1)
    assert not report.ok
    assert any("ballot at height 1" in e and "signature" in e for e in report.errors), report.errors


@pytest.mark.parametrize("name", NAMES)
def test_rejects_a_dropped_ballot(name: str, tmp_path: Path) -> None:
    dropped = {"n": 0}

    def drop(event: dict[str, Any]) -> bool:
        if event["type"] == "Ballot" and dropped["n"] == 0 and event.get("height") == 4:
            dropped["n"] += 1
            return True
        return False

    rebuild(fixture(name), tmp_path / "t.bel", drop_events=drop)
    report = verify_archive(tmp_path / "t.bel", workers=1)
    assert not report.ok
    assert any(e.startswith("encrypted tally") for e in report.errors), report.errors


@pytest.mark.parametrize("name", NAMES)
def test_rejects_a_changed_result(name: str, tmp_path: Path) -> None:
    rebuild(
        fixture(name), tmp_path / "t.bel",
        select=lambda a, d: a.data[d].startswith(b'{"result"'), change_data=_change_result,
    )  # fmt: skip
    report = verify_archive(tmp_path / "t.bel", workers=1)
    assert not report.ok
    assert any("result: question 2, answer 2" in e and "not the decryption" in e for e in report.errors), report.errors


@pytest.mark.parametrize("name", NAMES)
def test_rejects_a_bad_partial_decryption(name: str, tmp_path: Path) -> None:
    rebuild(
        fixture(name), tmp_path / "t.bel",
        select=_first(lambda a, d: a.data[d].startswith(b'{"decryption_factors"')), change_data=_bad_factor,
    )  # fmt: skip
    report = verify_archive(tmp_path / "t.bel", workers=1)
    assert not report.ok
    assert any("partial decryption" in e and "invalid decryption proof" in e for e in report.errors), report.errors


def test_rejects_a_broken_hash_link(tmp_path: Path) -> None:
    def unlink(event: dict[str, Any]) -> dict[str, Any]:
        if event.get("height") == 5:
            event["parent"] = "0" * 64
        return event

    rebuild(fixture("nofn-belenios2048"), tmp_path / "t.bel", change_event=unlink)
    report = verify_archive(tmp_path / "t.bel", workers=1)
    assert not report.ok
    assert report.errors == ["event 5 (Ballot): broken hash link (parent " + "0" * 64 + " is not the previous event)"]


def test_rejects_an_unlisted_credential_and_wrong_weights(tmp_path: Path) -> None:
    def reweigh(creds: list[str]) -> list[str]:
        return [c.split(",")[0] + ",7" for c in creds]

    rebuild(
        fixture("nofn-belenios2048"), tmp_path / "t.bel",
        select=lambda a, d: a.data[d].startswith(b'["'), change_data=reweigh,
    )  # fmt: skip
    report = verify_archive(tmp_path / "t.bel", workers=1)
    assert not report.ok
    # the ballots still name the old election? No: the election is unchanged, the weights are not
    assert any("total_weight" in e or "encrypted tally" in e for e in report.errors), report.errors


def test_rejects_a_missing_file(tmp_path: Path) -> None:
    report = verify_archive(tmp_path / "nothing.bel")
    assert not report.ok
    assert report.errors[0].startswith("archive:")


def test_module_entry_point(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert verifier_main([str(fixture("nofn-belenios2048")), "--workers", "1"]) == 0
    assert "VALID" in capsys.readouterr().out
    assert verifier_main([str(fixture("mixnet-rfc3526")), "--workers", "1"]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_management_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("voting_verify", str(fixture("threshold-belenios2048")), "--workers", "1")
    assert "valid:" in capsys.readouterr().out
    with pytest.raises(CommandError, match="verification failed"):
        call_command("voting_verify", str(fixture("mixnet-rfc3526")), "--workers", "1")


def test_report_is_frozen() -> None:
    report = verify_archive(fixture("nofn-ed25519-hiroba"), workers=1)
    with pytest.raises(AttributeError):
        report.ok = False  # type: ignore[misc]
    assert json.dumps(report.result)


def test_packages_import_without_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, hiroba.voting.crypto.ballot, hiroba.voting.formats.structures, hiroba.voting.verifier;"
        "assert 'django' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
