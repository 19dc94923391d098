"""The health app's refusals, as the platform's errors (a reason code, Japanese and English)."""

from __future__ import annotations

from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.health.importers.base import ImportRefused


def refused(error: ImportRefused) -> Invalid:
    """An importer's refusal as a 422 naming the line, record or member."""
    detail = {"where": error.where} if error.where else None
    return Invalid(error.code, ja=error.ja, en=error.en, detail=detail)


def no_consent(source: str) -> PermissionDenied:
    return PermissionDenied(
        "health.no_consent",
        ja="このデータの利用に同意していません。同意してから取り込んでください。",
        en="There is no consent to use this source. Give consent first.",
        detail={"source": source},
    )
