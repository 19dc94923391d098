"""Online backup and restore of the default database, for the `backup` and `restore` commands.

SQLite goes through SQLite's own backup API, which copies one committed snapshot while the application keeps
running. PostgreSQL goes through pg_dump / pg_restore in custom format; the password reaches them only through
the PGPASSWORD environment variable, never the command line (which `ps` shows to every user on the machine).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from django.core.management import CommandError
from django.db.backends.sqlite3.creation import DatabaseCreation


def sqlite_database_path(db_settings: Mapping[str, Any]) -> Path:
    """The file behind the SQLite database in `db_settings`; an in-memory database has none."""
    name = db_settings["NAME"]
    if not name or DatabaseCreation.is_in_memory_db(name):
        raise CommandError("The database is in memory: it has no file to back up or restore.")
    return Path(name)


def sqlite_backup(src_path: Path, dest_path: Path) -> None:
    """Copy the live database at `src_path` into `dest_path`: only committed rows, as of one instant."""
    try:
        with closing(_sqlite_open_readonly(src_path)) as src, closing(sqlite3.connect(dest_path)) as dest:
            src.backup(dest)
            # A standalone file: no -wal / -shm companions to forget when the backup is moved.
            dest.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise CommandError(f"SQLite backup of {src_path} failed: {exc}") from exc


def sqlite_restore(src_path: Path, dest_path: Path) -> None:
    """Replace every page of the database at `dest_path` with the backup at `src_path`, in one transaction."""
    try:
        with closing(_sqlite_open_readonly(src_path)) as src:
            (verdict,) = src.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise CommandError(f"{src_path} fails SQLite's integrity check: {verdict}")
            if src.execute("SELECT 1 FROM sqlite_schema WHERE name = 'django_migrations'").fetchone() is None:
                raise CommandError(f"{src_path} is not a Hiroba backup: it has no django_migrations table.")
            with closing(sqlite3.connect(dest_path)) as dest:
                src.backup(dest)
    except sqlite3.Error as exc:
        raise CommandError(f"{src_path} cannot be restored as a SQLite database: {exc}") from exc


def _sqlite_open_readonly(path: Path) -> sqlite3.Connection:
    # mode=ro: a mistyped path is an error, not a new empty database.
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)


def pg_dump_args(db_settings: Mapping[str, Any], out: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={out.absolute()}", *_pg_connection_args(db_settings)]


def pg_restore_args(db_settings: Mapping[str, Any], file: Path) -> list[str]:
    return [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        *_pg_connection_args(db_settings),
        str(file.absolute()),
    ]


def _pg_connection_args(db_settings: Mapping[str, Any]) -> list[str]:
    # --no-password: fail at once rather than wait for a prompt nobody sees (cron, systemd).
    args = ["--no-password", f"--dbname={db_settings['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db_settings.get(key):
            args.append(f"{option}={db_settings[key]}")
    return args


def pg_env(db_settings: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db_settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(db_settings["PASSWORD"])
    return env


def pg_run(args: list[str], db_settings: Mapping[str, Any]) -> None:
    """Run a PostgreSQL client tool built by `pg_dump_args` / `pg_restore_args`."""
    program = shutil.which(args[0])
    if program is None:
        raise CommandError(f"{args[0]} is not installed: install the PostgreSQL client tools (postgresql-client).")
    completed = subprocess.run(
        [program, *args[1:]], env=pg_env(db_settings), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise CommandError(f"{args[0]} failed with exit status {completed.returncode}: {completed.stderr.strip()}")
