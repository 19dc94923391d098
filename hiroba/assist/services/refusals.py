"""Refusals that leave a trace: the act is rolled back, the refusal is recorded in its own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import AppError


@contextmanager
def refusals_recorded(*, tag: str, actor: Actor, subject: str, municipality: str | None) -> Iterator[None]:
    """Wrap an act (outside its transaction): an AppError it raises is audited under `tag` with its code, then
    raised on. Use it around the whole act so that the record survives the act's rollback."""
    try:
        yield
    except AppError as error:
        with transaction.atomic():
            audit_record(tag=tag, actor=actor, subject=subject, data={"code": error.code}, municipality=municipality)
        raise
