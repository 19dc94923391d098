"""The `hiroba` console script, run as an operator would, against its own SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hiroba.cli import resolve

HIROBA = Path(sys.executable).with_name("hiroba")
ROOT = Path(__file__).resolve().parent.parent


def test_resolve_maps_groups_to_management_commands() -> None:
    commands = {"audit_verify", "tenancy_area_join", "demo", "migrate"}
    assert resolve(["audit", "verify", "--chain", "x"], commands) == ["audit_verify", "--chain", "x"]
    assert resolve(["tenancy", "area-join", "saku", "202177"], commands) == ["tenancy_area_join", "saku", "202177"]
    assert resolve(["demo", "--no-serve"], commands) == ["demo", "--no-serve"]
    assert resolve(["migrate", "--plan"], commands) == ["migrate", "--plan"]
    assert resolve(["nonsense"], commands) == ["nonsense"]


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["HIROBA_VAR_DIR"] = str(db.parent)  # the demo's test rig and trustee keys stay out of the checkout
    return subprocess.run([str(HIROBA), *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


@pytest.mark.skipif(not HIROBA.exists(), reason="the hiroba console script is installed by `make install`")
def test_operator_session(tmp_path: Path) -> None:
    db = tmp_path / "var" / "town.sqlite3"  # HIROBA_VAR_DIR does not exist yet: the demo makes it
    # the demo loads without serving, twice (idempotent)
    for _ in range(2):
        loaded = run(db, "demo", "--no-serve")
        assert loaded.returncode == 0, loaded.stderr
    assert "saku-admin" in loaded.stdout
    # a bad check digit is refused with the reason, exit status 1
    refused = run(
        db, "tenancy", "municipality-add", "202012", "--name", "長野市", "--kana", "ながのし", "--en", "Nagano"
    )
    assert refused.returncode == 1
    assert "tenancy.lg_code.check_digit" in refused.stderr
    # a municipality already in an area cannot join another
    created = run(db, "tenancy", "area-create", "tama", "--name", "多摩", "--en", "Tama", "--currency", "多摩コイン")
    assert created.returncode == 0, created.stderr
    twice = run(db, "tenancy", "area-join", "tama", "202177")
    assert twice.returncode == 1
    assert "tenancy.municipality.in_other_area" in twice.stderr
    # the audit chains verify
    verified = run(db, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "chain 202177" in verified.stdout
    # and a record removed behind the application's back is reported, exit status 1
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM core_auditrecord WHERE chain = '202177' AND seq = 2")
    broken = run(db, "audit", "verify")
    assert broken.returncode == 1
    assert "chain 202177 record 3" in broken.stderr
    # a consistent backup can be taken while the site's database is in use
    backup = run(db, "backup", "--out", str(tmp_path / "backup.sqlite3"))
    assert backup.returncode == 0, backup.stderr
