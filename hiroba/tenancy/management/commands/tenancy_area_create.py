from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.services import area_add_municipality, area_create


class Command(HirobaCommand):
    help = "Create a currency area, optionally with its member municipalities."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--en", required=True)
        parser.add_argument("--currency", required=True, help="name of the regional currency")
        parser.add_argument("--member", action="append", default=[], help="lg_code; repeatable")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = Actor.command_line()
        area = area_create(slug=o["slug"], name=o["name"], name_en=o["en"], currency_name=o["currency"], actor=actor)
        for code in o["member"]:
            area_add_municipality(slug=area.slug, lg_code=code, actor=actor)
        self.stdout.write(f"created area {area.slug} with {len(o['member'])} members")
