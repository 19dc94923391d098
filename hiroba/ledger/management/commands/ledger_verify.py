from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from hiroba.core.management.base import HirobaCommand
from hiroba.ledger.selectors import ledger_verify


class Command(HirobaCommand):
    help = (
        "Recompute every balance and lot from the postings, check every chain of journals, and exit 1 with a "
        "precise report on any violation."
    )

    def handle(self, *args: Any, **o: Any) -> None:
        counts, violations = ledger_verify()
        for what, n in counts.items():
            self.stdout.write(f"{what}: {n}")
        for violation in violations:
            self.stderr.write(str(violation))
        if violations:
            raise CommandError(f"ledger.verify_failed: {len(violations)} violation(s)")
        self.stdout.write("ok: every balance, lot and chain checks out")
