from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.cocreation.models import Digest
from hiroba.cocreation.services import digest_send
from hiroba.core.management.base import HirobaCommand


class Command(HirobaCommand):
    help = (
        "Send the co-creation e-mail digests: one e-mail per staff member who chose PERIOD, with the notifications "
        "not sent before (run daily with --period daily, and once a week with --period weekly). Nothing is sent "
        "twice; staff without an e-mail address still see their notifications in the app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", choices=[Digest.DAILY, Digest.WEEKLY], required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        run = digest_send(period=Digest(options["period"]))
        self.stdout.write(
            f"{run.sent} e-mails\t{run.notifications} notifications\t{run.without_address} without an address"
        )
