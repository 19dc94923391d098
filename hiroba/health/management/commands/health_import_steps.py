from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.health.services import steps_import
from hiroba.identity.selectors import town_resident


class Command(HirobaCommand):
    help = (
        "Import a resident's step export (Apple Health export.zip/export.xml, Health Connect zip, Google Fit daily "
        "CSV; the kind is read from the content). Prints days imported, skipped and held; held days are not an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, metavar="LG_CODE")
        parser.add_argument("--resident", required=True, metavar="PAIRWISE_ID")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        resident = town_resident(lg_code=o["municipality"], pairwise_id=o["resident"])
        try:
            upload = o["file"].open("rb")
        except OSError as error:
            raise CommandError(f"cannot read {o['file']}: {error.strerror}") from error
        with upload:
            summary = steps_import(resident=resident, upload=upload, actor=Actor.command_line())
        self.stdout.write(summary.line())
