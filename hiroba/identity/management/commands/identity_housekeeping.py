from __future__ import annotations

from typing import Any

from django.utils import timezone

from hiroba.core.management.base import HirobaCommand
from hiroba.identity.services.housekeeping import identity_housekeeping


class Command(HirobaCommand):
    help = "Delete expired sign-in challenges, e-mail codes, invitations and old throttle windows (run nightly)."

    def handle(self, *args: Any, **o: Any) -> None:
        for what, count in identity_housekeeping(now=timezone.now()).items():
            self.stdout.write(f"{what}\t{count}")
