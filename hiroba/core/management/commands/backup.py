"""hiroba backup --out FILE: an online backup of the default database, taken while the service runs."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import BaseCommand, CommandError
from django.db import connection

from hiroba.core.backup import pg_dump_args, pg_run, sqlite_backup, sqlite_database_path


class Command(BaseCommand):
    help = "Write a consistent backup of the running database to FILE (SQLite file copy or pg_dump custom format)."
    # Must still run when an unrelated system check fails (a half-finished deploy, say).
    requires_system_checks = ()

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")
        parser.add_argument("--force", action="store_true", help="Overwrite FILE if it exists.")

    def handle(self, *args: Any, out: Path, force: bool, **options: Any) -> None:
        if out.exists() and not force:
            raise CommandError(f"{out} already exists; choose another name or pass --force.")
        db = connection.settings_dict
        # Written beside FILE and renamed at the end, so a failed run never leaves a truncated FILE behind.
        partial = out.with_name(f"{out.name}.partial")
        partial.unlink(missing_ok=True)
        try:
            if connection.vendor == "sqlite":
                sqlite_backup(sqlite_database_path(db), partial)
            elif connection.vendor == "postgresql":
                pg_run(pg_dump_args(db, partial), db)
            else:
                raise CommandError(f"Backups of {connection.vendor} databases are not supported.")
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"Backed up {connection.vendor} database {db['NAME']} to {out} ({out.stat().st_size:,} bytes)."
        )
