from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.wallet.services.settlement import settle, settlement_mark_transferred, transfer_failures_import


class Command(HirobaCommand):
    help = (
        "Settle a closed period of a currency area: Zengin transfer files, merchants' statements and the clearing "
        "report in DIR (byte-identical when run again). --mark-transferred closes the period; --failed FILE "
        "imports the bank's failed transfers so those amounts are paid next period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", required=True, metavar="SLUG")
        parser.add_argument("--period", required=True, help="YYYY-MM, or YYYY-MM-1 / YYYY-MM-2")
        parser.add_argument("--out", type=Path, help="directory for the files")
        parser.add_argument("--mark-transferred", action="store_true")
        parser.add_argument("--failed", type=Path, help="the bank's failed transfers (総合振込 records)")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = Actor.command_line()
        if o["failed"]:
            merchants = transfer_failures_import(
                area_slug=o["area"], period=o["period"], data=o["failed"].read_bytes(), actor=actor
            )
            self.stdout.write(f"returned to {len(merchants)} merchant balance(s): {', '.join(merchants)}")
            return
        if o["mark_transferred"]:
            done = settlement_mark_transferred(area_slug=o["area"], period=o["period"], actor=actor)
            self.stdout.write(f"{done.area_id} {done.period}: transferred, total {done.total}")
            return
        out = o["out"] or Path(settings.VAR_DIR) / "settlements" / o["area"] / o["period"]
        run = settle(area_slug=o["area"], period=o["period"], out=out, today=timezone.localdate(), actor=actor)
        for s in run.statements:
            self.stdout.write(f"{s.merchant.pk}\t{s.merchant.name}\tnet {s.net}\tfee {s.fee}\tpayout {s.payout}")
        for code, name, granted, paid in run.clearing:
            self.stdout.write(f"clearing\t{code}\t{name}\tgranted {granted}\tpaid {paid}")
        for path in run.files:
            self.stdout.write(f"wrote\t{path}")
        self.stdout.write(f"total\t{run.settlement.total}\ttransfer date {run.settlement.transfer_date}")
