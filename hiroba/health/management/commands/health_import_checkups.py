from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.health.services import checkups_import, member_links_import
from hiroba.tenancy.models import Municipality


class Command(HirobaCommand):
    help = (
        "Import a 特定健診 archive (zip) or a cancer-screening CSV for a municipality; with --links, the insurance "
        "section's card list (pairwise_id,保険者番号,記号,番号,枝番) instead. Only the fact, kind and date are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, metavar="LG_CODE")
        parser.add_argument("--links", action="store_true", help="FILE is the insurance section's card list")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        town = Municipality.objects.filter(lg_code=o["municipality"]).first()
        if town is None:
            raise CommandError(f"no municipality {o['municipality']}")
        try:
            upload = o["file"].open("rb")
        except OSError as error:
            raise CommandError(f"cannot read {o['file']}: {error.strerror}") from error
        with upload:
            if o["links"]:
                count = member_links_import(municipality=town, upload=upload, actor=Actor.command_line())
                self.stdout.write(f"{count} insurance cards linked")
                return
            summary = checkups_import(municipality=town, upload=upload, actor=Actor.command_line())
        self.stdout.write(summary.line())
