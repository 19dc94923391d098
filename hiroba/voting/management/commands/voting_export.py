from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.voting.formats.archive import write_archive
from hiroba.voting.selectors import archive_members, archive_timestamp, election_get


class Command(HirobaCommand):
    help = (
        "Write the poll's Belenios event archive to DIR/<uuid>.bel, rebuilt from the event log, for independent "
        "audit (`belenios-tool election verify --dir DIR`, `hiroba voting verify DIR/<uuid>.bel`). The same poll "
        "state always gives the same bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("election", metavar="ELECTION", help="the poll's id or Belenios uuid")
        parser.add_argument("--out", type=Path, required=True, metavar="DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        election = election_get(ref=options["election"])
        timestamp = archive_timestamp(election)
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{election.uuid}.bel"
        partial = path.with_suffix(".bel.partial")
        write_archive(partial, timestamp=timestamp, members=archive_members(election=election))
        partial.replace(path)
        self.stdout.write(str(path))
