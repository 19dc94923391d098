from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.identity.services import crl_load


class Command(HirobaCommand):
    help = (
        "Load a JPKI CRL (DER) fetched from J-LIS or the platform operator. Run it on a schedule: sign-ins fail "
        "closed once the newest CRL of an issuing CA is past its next update."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        for path in o["files"]:
            row = crl_load(der=path.read_bytes(), actor=Actor.command_line())
            self.stdout.write(
                f"{path}\tissuer {row.issuer_key_id[:16]}\t#{row.crl_number}\tnext {row.next_update:%Y-%m-%d %H:%M}"
            )
