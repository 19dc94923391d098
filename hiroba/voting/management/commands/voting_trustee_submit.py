from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.voting.formats.structures import FormatError, partial_decryption_data
from hiroba.voting.selectors import election_get
from hiroba.voting.services import partial_decryption_add


class Command(HirobaCommand):
    help = (
        "Publish a trustee's partial decryption (written by `hiroba voting trustee-decrypt`, or by belenios-tool's "
        "`election decrypt` / `decrypt-threshold`) after checking every proof against the trustee's registered key; "
        "a bad one is refused and recorded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("election", metavar="ELECTION", help="the poll's id or Belenios uuid")
        parser.add_argument("--owner", type=int, required=True, help="the trustee's number (1, 2, ...)")
        parser.add_argument("--decryption", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        election = election_get(ref=options["election"])
        try:
            data = partial_decryption_data(options["decryption"].read_bytes(), owner=options["owner"])
        except FormatError as exc:
            raise CommandError(str(exc)) from exc
        event = partial_decryption_add(
            actor=Actor.command_line(), election=election, owner=options["owner"], decryption_json=data
        )
        self.stdout.write(f"trustee {options['owner']}: partial decryption published at height {event.height}")
