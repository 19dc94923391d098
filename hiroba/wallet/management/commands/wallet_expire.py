from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from hiroba.core.management.base import HirobaCommand
from hiroba.ledger.services import journal_void_expired, ledger_expire


class Command(HirobaCommand):
    help = (
        "Daily: return every lot that expired before DATE to its funder (idempotent: running a day twice changes "
        "nothing), and void pending payments past their time-out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **o: Any) -> None:
        on = o["date"] or timezone.localdate()
        journals = ledger_expire(on=on)
        voided = journal_void_expired()
        total = sum(p.amount for j in journals for p in j.postings.all())
        self.stdout.write(f"expired\t{len(journals)} accounts\t{total}\ton {on.isoformat()}")
        self.stdout.write(f"voided\t{voided} pending journals past their time-out")
