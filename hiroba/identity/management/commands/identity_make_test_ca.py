from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.identity.testrig import rig_dir, test_ca_make


class Command(HirobaCommand):
    help = (
        "Test rig only: create a local CA with JPKI's certificate profile (two generations for sign-in and two for "
        "signatures) under TEST_RIG_DIR/ca, and load a fresh CRL for each. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--replace", action="store_true", help="make a new CA even if one exists")

    def handle(self, *args: Any, **o: Any) -> None:
        ca = test_ca_make(replace=o["replace"])
        for g in ca.generations:
            self.stdout.write(f"{g.kind}\t{g.label}\t{g.certificate.not_valid_after_utc:%Y-%m-%d}")
        self.stdout.write(f"written to {rig_dir() / 'ca'}")
