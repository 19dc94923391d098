from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from hiroba.core.backup import pg_dump_args, pg_env, pg_restore_args, sqlite_backup, sqlite_restore

PG_SETTINGS = {"NAME": "hiroba", "USER": "hiroba", "PASSWORD": "s3cret-パス", "HOST": "db.internal", "PORT": "5433"}


def _make_database(path: Path, *, journal_mode: str, notes: list[str]) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute(f"PRAGMA journal_mode={journal_mode}")
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT)")
        db.execute("CREATE TABLE note (body TEXT)")
        db.executemany("INSERT INTO note VALUES (?)", [(note,) for note in notes])


def _notes(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        return [body for (body,) in db.execute("SELECT body FROM note ORDER BY rowid")]


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_sqlite_backup_copies_committed_rows_while_a_write_is_in_flight(tmp_path: Path, journal_mode: str) -> None:
    # given
    live, copy = tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3"
    _make_database(live, journal_mode=journal_mode, notes=["committed-1", "committed-2"])
    with closing(sqlite3.connect(live, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO note VALUES ('uncommitted')")

        # when
        sqlite_backup(live, copy)

        writer.execute("COMMIT")

    # then
    assert _notes(copy) == ["committed-1", "committed-2"]
    assert _notes(live) == ["committed-1", "committed-2", "uncommitted"]
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_sqlite_restore_round_trips_a_backup_into_a_live_wal_database(tmp_path: Path) -> None:
    # given
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    _make_database(live, journal_mode="wal", notes=["before"])
    sqlite_backup(live, backup)
    with closing(sqlite3.connect(live, isolation_level=None)) as db:
        db.execute("INSERT INTO note VALUES ('after the backup')")

    # when
    sqlite_restore(backup, live)

    # then
    assert _notes(live) == ["before"]
    with closing(sqlite3.connect(live)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_restore_refuses_a_file_that_is_not_a_sqlite_database(tmp_path: Path) -> None:
    # given
    live, bogus = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    _make_database(live, journal_mode="wal", notes=["keep me"])
    bogus.write_bytes(b"PGDMP" + b"\x00" * 4096)

    # when / then
    with pytest.raises(CommandError, match="cannot be restored as a SQLite database"):
        sqlite_restore(bogus, live)
    assert _notes(live) == ["keep me"]


def test_sqlite_restore_refuses_a_database_that_is_not_a_hiroba_backup(tmp_path: Path) -> None:
    # given: an empty file is a valid, empty SQLite database
    live, empty = tmp_path / "live.sqlite3", tmp_path / "empty.sqlite3"
    _make_database(live, journal_mode="wal", notes=["keep me"])
    empty.touch()

    # when / then
    with pytest.raises(CommandError, match="not a Hiroba backup"):
        sqlite_restore(empty, live)
    assert _notes(live) == ["keep me"]


def test_sqlite_backup_refuses_a_missing_source_instead_of_creating_one(tmp_path: Path) -> None:
    # when / then
    with pytest.raises(CommandError, match="backup of"):
        sqlite_backup(tmp_path / "typo.sqlite3", tmp_path / "copy.sqlite3")
    assert not (tmp_path / "typo.sqlite3").exists()


def test_backup_command_refuses_to_overwrite_an_existing_file(tmp_path: Path) -> None:
    # given
    existing = tmp_path / "hiroba.backup"
    existing.write_bytes(b"yesterday's backup")

    # when / then
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--out", str(existing))
    assert existing.read_bytes() == b"yesterday's backup"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="needs the in-memory SQLite test database")
def test_backup_command_refuses_an_in_memory_database(tmp_path: Path) -> None:
    # when / then
    with pytest.raises(CommandError, match="in memory"):
        call_command("backup", "--out", str(tmp_path / "hiroba.backup"))
    assert list(tmp_path.iterdir()) == []


def test_restore_command_without_yes_refuses_when_nobody_can_confirm(tmp_path: Path) -> None:
    # given
    backup = tmp_path / "hiroba.backup"
    _make_database(backup, journal_mode="delete", notes=[])

    # when / then
    with pytest.raises(CommandError, match="pass --yes"):
        call_command("restore", str(backup), stdin=io.StringIO("yes\n"))


def test_pg_tools_get_the_password_from_the_environment_never_argv(tmp_path: Path) -> None:
    # given
    file = tmp_path / "hiroba.dump"

    # when
    dump, restore = pg_dump_args(PG_SETTINGS, file), pg_restore_args(PG_SETTINGS, file)
    env = pg_env(PG_SETTINGS)

    # then
    assert not [arg for arg in [*dump, *restore] if "s3cret" in arg]
    assert env["PGPASSWORD"] == "s3cret-パス"
    assert dump == [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={file}",
        "--no-password",
        "--dbname=hiroba",
        "--host=db.internal",
        "--port=5433",
        "--username=hiroba",
    ]
    assert restore[-1] == str(file)
    assert {"--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname=hiroba"} <= set(restore)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs HIROBA_TEST_DATABASE_URL=postgresql://…")
@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="needs the PostgreSQL client tools")
@pytest.mark.django_db(transaction=True)
def test_backup_command_writes_a_pg_dump_of_the_database(tmp_path: Path) -> None:
    # given
    out = tmp_path / "hiroba.dump"
    stdout = io.StringIO()

    # when
    call_command("backup", "--out", str(out), stdout=stdout)

    # then
    assert "Backed up postgresql database" in stdout.getvalue()
    listing = subprocess.run(["pg_restore", "--list", str(out)], capture_output=True, text=True, check=True)
    assert " TABLE public core_auditrecord " in listing.stdout
