from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.identity.selectors import resident_list
from hiroba.tenancy.selectors import municipality_get


class Command(HirobaCommand):
    help = "List a municipality's residents by pairwise ID and display name (never the internal person ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, metavar="LG_CODE")
        parser.add_argument("--all", action="store_true", help="include residents who moved away or were deleted")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **o: Any) -> None:
        municipality_get(lg_code=o["municipality"])  # an unknown code is an error, not an empty list
        for row in resident_list(lg_code=o["municipality"], include_ended=o["all"]):
            if o["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "pairwise_id": row.pairwise_id,
                            "display_name": row.display_name,
                            "birth_year_month": row.birth_year_month,
                            "status": row.status,
                            "since": row.since.isoformat(),
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                self.stdout.write(f"{row.pairwise_id}\t{row.display_name}\t{row.birth_year_month}\t{row.status}")
