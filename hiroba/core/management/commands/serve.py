from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from hiroba.core.management.base import HirobaCommand


class Command(HirobaCommand):
    help = "Run the production server (gunicorn) after collecting static files. Settings: config.settings.production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("HIROBA_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("HIROBA_WORKERS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        metrics_dir = settings.VAR_DIR / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        argv = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--config", "python:config.gunicorn",
            "--bind", options["bind"],
            "--workers", str(options["workers"]),
        ]  # fmt: skip
        os.execvpe(sys.executable, argv, env)  # noqa: S606 (replaces this process with gunicorn, no shell)
