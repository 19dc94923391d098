from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.health.services import award_run, partner_nonces_prune
from hiroba.tenancy.models import Municipality


class Command(HirobaCommand):
    help = (
        "Daily: award the points due on the run of DATE (the days before it still open to late data), one ledger "
        "journal per municipality. Re-running a date grants nothing twice; late data grants only the difference. "
        "Also forgets partner batch nonces older than the clock window."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--municipality", metavar="LG_CODE")

    def handle(self, *args: Any, **o: Any) -> None:
        town = None
        if o["municipality"]:
            town = Municipality.objects.filter(lg_code=o["municipality"]).first()
            if town is None:
                raise CommandError(f"no municipality {o['municipality']}")
        on = o["date"] or timezone.localdate()
        for run in award_run(on=on, actor=Actor.command_line(), municipality=town):
            self.stdout.write(
                f"{run.municipality}\t{run.residents} residents\t{run.points} points\t{run.journal or '-'}"
            )
        partner_nonces_prune()
