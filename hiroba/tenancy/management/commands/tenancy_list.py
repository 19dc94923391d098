from __future__ import annotations

from typing import Any

from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.selectors import municipality_list


class Command(HirobaCommand):
    help = "List the registered municipalities with their currency areas."

    def handle(self, *args: Any, **o: Any) -> None:
        for m in municipality_list():
            area = m.currency_area.slug if m.currency_area else "-"
            self.stdout.write(f"{m.lg_code}\t{m.name}\t{m.name_en}\t{area}")
