from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.voting.selectors import election_list


class Command(HirobaCommand):
    help = "One tab-separated line per poll: id, municipality code, group, state (draft, open, closed, tallied)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="LG_CODE", help="only this municipality's polls")

    def handle(self, *args: Any, **options: Any) -> None:
        for election in election_list(lg_code=options["municipality"]):
            self.stdout.write(f"{election.pk}\t{election.municipality_id}\t{election.group}\t{election.state}")
