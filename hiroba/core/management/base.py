from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hiroba.core.errors import AppError


class HirobaCommand(BaseCommand):
    """A thin command: parses options, calls a service, prints. A refusal becomes a clean error and exit 1."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except AppError as error:
            where = f" ({error.detail['where']})" if "where" in error.detail else ""
            raise CommandError(f"{error.code}: {error.message_en} / {error.message_ja}{where}") from error
