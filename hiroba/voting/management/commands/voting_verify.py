from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.voting.verifier import verify_archive


class Command(HirobaCommand):
    help = (
        "Verify a Belenios event archive (<uuid>.bel): hash chain, election and trustees, every ballot's proofs "
        "and signature, re-votes and weights, the encrypted tally, partial decryptions and the result. "
        "Exits non-zero on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, metavar="ARCHIVE.bel")
        parser.add_argument(
            "--workers", type=int, default=None, help="processes for the ballot checks (default: cores)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_archive(options["archive"], workers=options["workers"])
        for line in report.checks:
            self.stdout.write(f"ok  {line}")
        for line in report.errors:
            self.stderr.write(f"BAD {line}")
        if not report.ok:
            raise CommandError(f"election archive verification failed: {len(report.errors)} problem(s)")
        self.stdout.write(self.style.SUCCESS(f"valid: {options['archive']}"))
