"""Step data in: uploads of exports, partner pushes and paper logs become one row per day and kind of source.

Nothing partial is stored: a file is read to its end (and refused whole if any part is bad) before a row is
written, and all of its days are written in one transaction. The upload itself is never kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.health import fraud
from hiroba.health.events import HealthEvent
from hiroba.health.importers.base import DayChoice, ImportRefused, best_of_sources
from hiroba.health.importers.detect import detect, read_steps, seekable_upload
from hiroba.health.models import DayStatus, EnteredBy, Origin, StepDay
from hiroba.health.refusals import no_consent, refused
from hiroba.health.sources import CONSENT_PREFIX, consent_purpose
from hiroba.identity.keys import lookup_hash
from hiroba.identity.models import Resident
from hiroba.identity.selectors import consents_active

NEIGHBOURS = timedelta(days=fraud.SAME_TOTAL_DAYS)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, for the one-line report: days written (new or changed), unchanged, and held."""

    imported: int
    skipped: int
    held: int

    def line(self) -> str:
        return f"{self.imported} days imported, {self.skipped} skipped, {self.held} held"


def _require_consent(resident: Resident, origin: str) -> None:
    if (resident.pk, consent_purpose(origin)) not in consents_active(resident_ids=[resident.pk], prefix=CONSENT_PREFIX):
        raise no_consent(origin)


def steps_import(*, resident: Resident, upload: BinaryIO, actor: Actor, today: date | None = None) -> ImportSummary:
    """Import an Apple Health, Health Connect or Google Fit export (kind found from the content) for `resident`."""
    try:
        with seekable_upload(upload) as stream:
            origin = detect(stream)
            _require_consent(resident, origin)
            days = best_of_sources(read_steps(stream, origin))
    except ImportRefused as error:
        raise refused(error) from None
    return store_days(
        resident, Origin(origin), days, entered_by=EnteredBy.RESIDENT, actor=actor, today=today or timezone.localdate()
    )


def paper_steps_enter(
    *, resident: Resident, entries: Sequence[tuple[date, int]], actor: Actor, by_proxy: bool = False
) -> ImportSummary:
    """Counter staff (or a proxy) type in a paper pedometer log: (day, steps) pairs."""
    _require_consent(resident, Origin.PAPER)
    if any(steps < 0 for _, steps in entries):
        raise refused(ImportRefused("import.negative", ja="歩数が負の値です。", en="A step count is negative."))
    days = [DayChoice(day, steps, "paper", 0, 0.0) for day, steps in sorted(entries)]
    return store_days(
        resident,
        Origin.PAPER,
        days,
        entered_by=EnteredBy.PROXY if by_proxy else EnteredBy.STAFF,
        actor=actor,
        today=timezone.localdate(),
    )


def _device(source: str) -> str:
    name = source.strip()
    return lookup_hash("health:device", name)[:16] if name else ""


@transaction.atomic
def store_days(
    resident: Resident, origin: Origin, days: Iterable[DayChoice], *, entered_by: str, actor: Actor, today: date
) -> ImportSummary:
    """Write a source's day figures for one resident (new or changed days only), holding suspicious days."""
    incoming = {d.day: d for d in days}
    if not incoming:
        return ImportSummary(0, 0, 0)
    first, last = min(incoming), max(incoming)
    existing = {
        row.day: row
        for row in StepDay.objects.select_for_update().filter(
            resident=resident, origin=origin, day__range=(first - NEIGHBOURS, last + NEIGHBOURS)
        )
    }
    figures = {day: row.steps for day, row in existing.items()} | {day: d.steps for day, d in incoming.items()}
    now = timezone.now()
    skipped = held = 0
    writes: list[StepDay] = []
    for day, choice in sorted(incoming.items()):
        reasons = fraud.hold_reasons(
            fraud.DayFacts(
                day=day,
                steps=choice.steps,
                max_per_minute=int(choice.max_per_minute),
                device_known=bool(choice.source.strip()),
                entered_by=entered_by,
            ),
            today=today,
            neighbours=figures,
        )
        values = {
            "steps": choice.steps,
            "manual_steps": choice.manual_steps,
            "device": _device(choice.source),
            "max_per_minute": int(choice.max_per_minute),
            "entered_by": entered_by,
            "status": DayStatus.HELD if reasons else DayStatus.COUNTED,
            "hold_reasons": reasons,
            "reviewed_by": "",
            "review_reason": "",
        }
        row = existing.get(day)
        if row is not None and all(getattr(row, name) == value for name, value in values.items()):
            skipped += 1
            continue
        if row is not None and row.reviewed_by and row.steps == choice.steps:
            skipped += 1  # a reviewed day keeps its decision when the same figure comes again
            continue
        writes.append(StepDay(resident=resident, day=day, origin=origin, updated_at=now, **values))
        held += bool(reasons)
    if writes:  # one upsert for every new or changed day (an upload of a year is one statement, not 365)
        StepDay.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["resident", "day", "origin"],
            update_fields=[*values, "updated_at"],
        )
    imported = len(writes)
    summary = ImportSummary(imported, skipped, held)
    audit_record(
        tag=HealthEvent.STEPS_IMPORTED,
        actor=actor,
        subject=f"resident:{resident.pairwise_id}",
        data={"origin": origin, "imported": imported, "skipped": skipped, "held": held},
        municipality=resident.municipality_id,
    )
    return summary


@transaction.atomic
def steps_delete(*, resident: Resident, actor: Actor) -> int:
    """The resident deletes their step history (points already granted stay granted). Returns the days removed."""
    removed, _ = StepDay.objects.filter(resident=resident).delete()
    audit_record(
        tag=HealthEvent.STEPS_DELETED,
        actor=actor,
        subject=f"resident:{resident.pairwise_id}",
        data={"days": removed},
        municipality=resident.municipality_id,
    )
    return removed
