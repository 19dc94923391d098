from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import audit_verify
from hiroba.core.management.base import HirobaCommand


class Command(HirobaCommand):
    help = "Recompute every audit hash chain (or --chain KEY) and exit non-zero on any break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain", action="append", help="lg_code or 'platform'; repeatable")

    def handle(self, *args: Any, **options: Any) -> None:
        counts, breaks = audit_verify(chains=options["chain"])
        for chain, n in counts.items():
            self.stdout.write(f"chain {chain}: {n} records")
        if breaks:
            for b in breaks:
                self.stderr.write(f"BROKEN {b}")
            raise CommandError(f"audit chain verification failed: {len(breaks)} problem(s)")
        self.stdout.write(self.style.SUCCESS(f"ok: {len(counts)} chains, {sum(counts.values())} records intact"))
