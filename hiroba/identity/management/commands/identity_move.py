from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.identity.services import resident_move


class Command(HirobaCommand):
    help = "Record a resident's move to another municipality: a new pairwise ID there, the link kept in the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pairwise-id", required=True)
        parser.add_argument("--to", required=True, metavar="LG_CODE")

    def handle(self, *args: Any, **o: Any) -> None:
        new = resident_move(pairwise_id=o["pairwise_id"], to_lg_code=o["to"], actor=Actor.command_line())
        self.stdout.write(f"{new.municipality_id}\t{new.pairwise_id}")
