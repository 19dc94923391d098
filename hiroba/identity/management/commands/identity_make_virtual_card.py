from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.identity.testrig import CardSpec, virtual_card_make


class Command(HirobaCommand):
    help = (
        "Test rig only: issue a virtual My Number Card (both key pairs and certificates, keys wrapped with the PIN "
        "and the signing password) from the rig's CA and write it as one JSON file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="name as on the card, e.g. '見本 花子'")
        parser.add_argument("--birthdate", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--address", required=True, help="address as on the card, e.g. 長野県佐久市中込1-1")
        parser.add_argument("--sex", choices=["1", "2", "3"], default="1", help="as JPKI encodes it")
        parser.add_argument("--pin", default="1234", help="4-digit PIN for the sign-in key")
        parser.add_argument("--password", default="ABC123", help="6-16 letters/digits for the signing key")
        parser.add_argument("--smartphone", action="store_true", help="a smartphone certificate instead of a card")
        parser.add_argument("--generation", help="issue under an older CA generation (its label)")
        parser.add_argument("--out", type=Path, help="file to write (default: TEST_RIG_DIR/cards/…)")

    def handle(self, *args: Any, **o: Any) -> None:
        spec = CardSpec(
            name=o["name"],
            birth_date=o["birthdate"],
            address=o["address"],
            sex=o["sex"],
            pin=o["pin"],
            password=o["password"],
            smartphone=o["smartphone"],
            generation=o["generation"],
        )
        card, path = virtual_card_make(spec, out=o["out"])
        self.stdout.write(f"{path}\tserial {card.auth_certificate.serial_number:x}\t{card.label}")
