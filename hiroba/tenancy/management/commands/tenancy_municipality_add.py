from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.services import municipality_register


class Command(HirobaCommand):
    help = "Register a municipality by its 6-digit local government code (check digit validated)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lg_code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kana", required=True)
        parser.add_argument("--en", required=True)

    def handle(self, *args: Any, **o: Any) -> None:
        m = municipality_register(
            lg_code=o["lg_code"], name=o["name"], name_kana=o["kana"], name_en=o["en"], actor=Actor.command_line()
        )
        self.stdout.write(f"registered {m.lg_code} {m.name}")
