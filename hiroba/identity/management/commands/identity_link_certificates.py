from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.identity.linkage import LinkageError, read_linkage
from hiroba.identity.services import credential_linkage_import


class Command(HirobaCommand):
    help = (
        "Link renewed JPKI certificates to their holders from a linkage CSV "
        "(old_issuer_key_id,old_serial,new_issuer_key_id,new_serial). All rows or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            with o["file"].open(encoding="utf-8", newline="") as lines:
                rows = read_linkage(lines)
        except LinkageError as error:
            raise CommandError(f"identity.linkage_invalid: {error}") from error
        report = credential_linkage_import(rows=rows, actor=Actor.command_line())
        self.stdout.write(f"linked {report.linked}\tunknown {report.unknown}\talready linked {report.already}")
