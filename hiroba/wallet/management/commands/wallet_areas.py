from __future__ import annotations

from typing import Any

from hiroba.core.management.base import HirobaCommand
from hiroba.tenancy.selectors import area_list


class Command(HirobaCommand):
    help = "List the currency areas: slug, name and member municipalities."

    def handle(self, *args: Any, **o: Any) -> None:
        for area in area_list():
            towns = ",".join(m.lg_code for m in area.municipalities.all())
            self.stdout.write(f"{area.slug}\t{area.name}\t{area.name_en}\t{towns}")
