from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from hiroba.assist.services.channels import expiry_notices_send
from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.selectors import municipality_get


class Command(HirobaCommand):
    help = (
        "Expiry notices for one municipality: residents whose coins expire within N days of DATE and who chose a "
        "letter get one page of a PDF written to DIR; those who chose SMS or a call get it through the gateway. "
        "Idempotent per resident and expiry date: a rerun sends only what is new (and writes no PDF if no letter)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="LG_CODE", required=True)
        parser.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--within-days", type=int, default=30, metavar="N")
        parser.add_argument("--out", type=Path, default=Path(), metavar="DIR", help="folder for the PDF (default: .)")

    def handle(self, *args: Any, **o: Any) -> None:
        town = municipality_get(lg_code=o["municipality"])
        on = o["date"] or timezone.localdate()
        pdf, counts = expiry_notices_send(
            municipality=town, on=on, within_days=o["within_days"], actor=Actor.command_line()
        )
        self.stdout.write(f"{town.lg_code}\tletters {counts['letter']}\tsms {counts['sms']}\tphone {counts['phone']}")
        if pdf is not None:
            o["out"].mkdir(parents=True, exist_ok=True)
            path = o["out"] / f"expiry-letters-{town.lg_code}-{on:%Y%m%d}.pdf"
            path.write_bytes(pdf)
            self.stdout.write(f"wrote\t{path}")
