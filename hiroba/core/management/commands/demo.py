from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.utils import timezone

from hiroba.core.management.base import HirobaCommand
from hiroba.demo import (
    DEMO_CARD_PIN,
    DEMO_PASSWORD,
    demo_assist,
    demo_cocreation,
    demo_health,
    demo_learning,
    demo_load,
    demo_rig,
    demo_voting,
    demo_wallet,
    demo_workshop_day,
)


class Command(HirobaCommand):
    help = "Migrate, load the demo data (idempotent) and serve on http://localhost:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="only migrate and load the data")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)  # the SQLite file's folder (HIROBA_VAR_DIR)
        call_command("migrate", interactive=False, verbosity=0)
        logins = demo_load()
        demo_cocreation()
        demo_workshop_day()
        demo_learning()
        cards = demo_rig() if settings.TEST_RIG else []
        period = demo_wallet(timezone.localdate()) if settings.TEST_RIG else None
        if settings.TEST_RIG:
            demo_health(timezone.localdate())
            demo_assist(timezone.localdate())
        polls = demo_voting(timezone.localdate()) if settings.TEST_RIG else []
        base = f"http://localhost:{options['port']}"
        self.stdout.write(self.style.SUCCESS("Hiroba demo is ready."))
        self.stdout.write(f"  Top page:        {base}/")
        self.stdout.write(f"  Saku area:       {base}/a/saku/")
        self.stdout.write(f"  Saku City:       {base}/m/202177/")
        self.stdout.write(f"  Staff sign-in:   {base}/staff/login/")
        self.stdout.write(f"  Resident sign-in: {base}/signin/")
        if cards:
            self.stdout.write(f"  Virtual cards:   {base}/dev/cards/  (PIN 1234, signing password ABC123)")
        self.stdout.write(
            f"  Workshop:        {base}/cocreation/ (any staff log-in);"
            f" requests to the agency {base}/cocreation/requests/"
        )
        self.stdout.write(
            f"  Learning:        {base}/learning/ (any staff log-in), the card simulator {base}/learning/simulator/;"
            f" progress for the admin {base}/staff/m/202177/learning/ (saku-admin)"
        )
        self.stdout.write(f"  API (OpenAPI):   {base}/api/v1/docs")
        if period:
            self.stdout.write(f"  Wallet:          {base}/wallet/ (sign in with a card from /dev/cards/)")
            self.stdout.write(f"  Shops:           {base}/merchant/login/ (e-mail code, printed in this console)")
            self.stdout.write(f"  Settle {period}: hiroba wallet settle --area saku --period {period}")
            self.stdout.write(f"  Health points:   {base}/health/ (a resident), {base}/staff/m/202177/health/ (staff)")
            self.stdout.write(
                f"  Counter help:    {base}/staff/m/202177/assist/ (saku-counter), {base}/assist/ (a resident);"
                f" printed cards' PIN {DEMO_CARD_PIN}, balance at {base}/kiosk/"
            )
        if polls:
            tallied, open_poll = polls
            self.stdout.write(
                f"  Polls:           {base}/polls/ — tallied {base}/polls/{tallied}/, open (Ed25519, credential shown"
                f" after sign-in) {base}/polls/{open_poll}/vote/; committee {base}/staff/m/202177/polls/"
                f" (saku-counter), credential authority saku-credentials; booth terminal"
                f" {base}/staff/m/202177/polls/terminal/; the open poll's trustee keys are in var/demo/voting/"
            )
        self.stdout.write(
            f"Demo log-ins (password {DEMO_PASSWORD}); each town also has -health, -finance, -counter (also the"
            " election committee) and -credentials (the credential authority):"
        )
        for username, what in logins:
            self.stdout.write(f"  {username:<18} {what}")
        if not options["no_serve"]:
            # 127.0.0.1 only; browsers treat http://localhost as a secure context, which passkeys need.
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
