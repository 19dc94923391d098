from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.services import area_add_municipality


class Command(HirobaCommand):
    help = "Add a municipality to a currency area (a municipality belongs to at most one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("lg_code")

    def handle(self, *args: Any, **o: Any) -> None:
        m = area_add_municipality(slug=o["slug"], lg_code=o["lg_code"], actor=Actor.command_line())
        self.stdout.write(f"{m.lg_code} {m.name} is in area {o['slug']}")
