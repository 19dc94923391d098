"""Interoperability with Debian's belenios-tool: its fresh archives verify with ours, ours verify with it.

Skipped when belenios-tool is not on PATH, except in CI (CI=true), where its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hiroba.voting.crypto.groups import BELENIOS_2048
from hiroba.voting.formats.archive import Member, json_dumps, json_loads, read_archive, write_archive
from hiroba.voting.tests.helpers import fixture
from hiroba.voting.tests.simulate import simulate_election
from hiroba.voting.verifier import verify_archive

ROOT = Path(__file__).resolve().parents[3]
TOOL = shutil.which("belenios-tool")


@pytest.fixture
def belenios_tool() -> str:
    if TOOL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("belenios-tool is missing in CI (apt-get install belenios-tool; .ci/run installs it)")
        pytest.skip("belenios-tool is not installed")
    return TOOL


def _tool_verify(tool: str, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, "election", "verify", "--dir", str(directory)], capture_output=True, text=True, check=False, timeout=300
    )


def test_fresh_belenios_tool_archive_verifies(belenios_tool: str, tmp_path: Path) -> None:
    # given a new election run end to end by belenios-tool (threshold trustees, weights, re-votes)
    out = tmp_path / "fresh.bel"
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "belenios_fixtures.sh"), "--one", "threshold", "BELENIOS-2048", str(out)],
        check=True, timeout=300, env={**os.environ, "PATH": f"{Path(belenios_tool).parent}:{os.environ['PATH']}"},
    )  # fmt: skip
    # then our verifier accepts it, with the worker pool
    report = verify_archive(out, workers=2)
    assert report.ok, report.errors
    assert report.result == [[0, 9, 11], [14, 12, 5]]


def test_belenios_tool_accepts_archives_we_write(belenios_tool: str, tmp_path: Path) -> None:
    # given a fixture's members re-serialised by our writer (events parsed and written again)
    archive = read_archive(fixture("threshold-belenios2048"))
    members = [
        Member(kind, archive.data[h] if kind == "data" else json_dumps(json_loads(archive.event_raw[h])))
        for kind, h in archive.order
    ]
    (tmp_path / "copy").mkdir()
    write_archive(tmp_path / "copy" / "election.bel", timestamp=archive.timestamp, members=members)
    # and an election generated entirely by our code (keys, ballots, proofs, tally, decryptions)
    (tmp_path / "ours").mkdir()
    simulate_election(tmp_path / "ours" / "election.bel", BELENIOS_2048, uuid="HirobaNetwork1")
    # then belenios-tool verifies both (it reads the one .bel in the directory)
    for directory in ("copy", "ours"):
        run = _tool_verify(belenios_tool, tmp_path / directory)
        assert run.returncode == 0, run.stderr
        assert "all checks passed" in run.stderr + run.stdout
