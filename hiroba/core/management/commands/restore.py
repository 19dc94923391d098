"""hiroba restore FILE: replace the default database with a backup made by `hiroba backup`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management import BaseCommand, CommandError
from django.db import connection, connections

from hiroba.core.backup import pg_restore_args, pg_run, sqlite_database_path, sqlite_restore


class Command(BaseCommand):
    help = "Replace the database with the backup in FILE. Stop the application servers first."
    # Must still run when an unrelated system check fails (a half-finished deploy, say).
    requires_system_checks = ()
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, file: Path, yes: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist or is not a file.")
        db = connection.settings_dict
        if not yes:
            self.confirm(options.get("stdin", sys.stdin), f"{connection.vendor} database {db['NAME']}", file)
        connections.close_all()
        if connection.vendor == "sqlite":
            sqlite_restore(file, sqlite_database_path(db))
        elif connection.vendor == "postgresql":
            pg_run(pg_restore_args(db, file), db)
        else:
            raise CommandError(f"Restoring {connection.vendor} databases is not supported.")
        self.stdout.write(
            f"Restored {connection.vendor} database {db['NAME']} from {file} ({file.stat().st_size:,} bytes)."
        )

    def confirm(self, stdin: TextIO | None, target: str, file: Path) -> None:
        if stdin is None or not stdin.isatty():
            raise CommandError("No terminal to confirm on: pass --yes to restore without asking.")
        self.stdout.write(f"Every row in the {target} will be replaced by {file}. Type 'yes' to continue: ", ending="")
        self.stdout.flush()
        if stdin.readline().strip().lower() != "yes":
            raise CommandError("Restore cancelled.")
