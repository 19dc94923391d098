from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.urls import reverse

from hiroba.core.audit import Actor
from hiroba.core.management.base import HirobaCommand
from hiroba.identity.selectors.passkeys import invitation_target
from hiroba.identity.services.passkeys import INVITATION_LIFETIME, invitation_create


class Command(HirobaCommand):
    help = "Print a one-time link with which a staff member (or merchant) enrols a passkey; it works once, 72 hours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="the account to invite")
        parser.add_argument("--base-url", default="", help="the site's origin (default: SITE_ORIGIN)")

    def handle(self, *args: Any, **o: Any) -> None:
        user = invitation_target(username=o["username"])
        token = invitation_create(user=user, actor=Actor.command_line())
        base = (o["base_url"] or settings.SITE_ORIGIN or "http://localhost:8000").rstrip("/")
        hours = int(INVITATION_LIFETIME.total_seconds() // 3600)
        self.stdout.write(f"{base}{reverse('staff-invitation', args=[token])}")
        self.stderr.write(f"invitation for {user.username} ({user.public_id}); valid once, for {hours} hours")
