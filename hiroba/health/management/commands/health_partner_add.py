from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import CommandError, CommandParser

from hiroba.core.management.base import HirobaCommand
from hiroba.health.models import Partner
from hiroba.tenancy.models import Municipality


class Command(HirobaCommand):
    help = (
        "Register a partner service that pushes step totals for a municipality's residents, and print the secret it "
        "signs its batches with (shown once; give it to the partner over a secure channel)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, metavar="LG_CODE")
        parser.add_argument("--slug", required=True, help="the partner's ID in URLs, e.g. aruku-app")
        parser.add_argument("--name", required=True)

    def handle(self, *args: Any, **o: Any) -> None:
        town = Municipality.objects.filter(lg_code=o["municipality"]).first()
        if town is None:
            raise CommandError(f"no municipality {o['municipality']}")
        if Partner.objects.filter(slug=o["slug"]).exists():
            raise CommandError(f"partner {o['slug']} exists already")
        secret = secrets.token_urlsafe(32)
        Partner.objects.create(slug=o["slug"], municipality=town, name=o["name"], secret=secret)
        self.stdout.write(f"{o['slug']}\t{secret}")
