"""The daily award run: for each municipality, one ledger journal of points for every resident who earned some.

A run for day D awards the completed days still open to late data (D-1 back to the rule's late-sync window).
What each resident gets is what the rule says is due minus what earlier runs granted for the same days, so a
re-run grants nothing and late data grants only the difference. The award rows that say which day, component and
rule version each point was for are written inside the journal's own transaction; the journal's key is derived
from those rows, so a run that is repeated after a crash replays the same journal instead of posting another.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from hiroba.core.audit import Actor, audit_record
from hiroba.core.bulk import insert_rows
from hiroba.core.fiscal import fiscal_year_end, fiscal_year_start
from hiroba.health import rules
from hiroba.health.events import HealthEvent
from hiroba.health.models import CheckupRecord, DayStatus, RuleVersion, StepDay
from hiroba.health.selectors import histories, rule_versions
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.ledger.models import Journal
from hiroba.tenancy.models import Municipality
from hiroba.wallet.services.money import points_award

NEVER = date(9999, 12, 31)  # the expiry of points a municipality lets run on


@dataclass(frozen=True)
class TownRun:
    municipality: str
    residents: int
    points: int
    journal: str  # the journal's key, or "" when nobody earned anything


def award_run(*, on: date, actor: Actor, municipality: Municipality | None = None) -> list[TownRun]:
    """Award every municipality that has a rule (or only `municipality`) for the run of day `on`."""
    towns = Municipality.objects.filter(
        lg_code__in=RuleVersion.objects.values("municipality_id").distinct(),
        **({"lg_code": municipality.lg_code} if municipality else {}),
    ).order_by("lg_code")
    return [_award_town(town, on=on, actor=actor) for town in towns]


def _award_town(town: Municipality, *, on: date, actor: Actor) -> TownRun:
    versions = rule_versions(town)
    earliest = on - timedelta(days=rules.MAX_LATE_SYNC_DAYS + 1)
    open_days = Q(day__gte=earliest, day__lt=on)
    candidates = set(
        StepDay.objects.filter(open_days, resident__municipality=town, status=DayStatus.COUNTED).values_list(
            "resident_id", flat=True
        )
    ) | set(CheckupRecord.objects.filter(open_days, resident__municipality=town).values_list("resident_id", flat=True))
    active = candidates & set(  # by town, not by a list of ids: a town's candidates run to six figures
        Resident.objects.filter(municipality=town, status=ResidentStatus.ACTIVE).values_list("pk", flat=True)
    )
    engine_versions = [engine for _, engine in versions]
    stored = {engine.number: version for version, engine in versions}
    rows: list[tuple[int, date, str, int, int]] = []  # resident, day, component, version number, points
    for resident_id, history in sorted(histories(town, active, since=fiscal_year_start(earliest), until=on).items()):
        for due in rules.awards_due(engine_versions, history, today=on):
            rows += [(resident_id, due.award.day, c, due.version, p) for c, p in due.award.points.items()]
    if not rows:
        return TownRun(town.lg_code, 0, 0, "")
    totals: dict[int, int] = defaultdict(int)
    for resident_id, _, _, _, points in rows:
        totals[resident_id] += points
    body = json.dumps(sorted((r, d.isoformat(), c, v, p) for r, d, c, v, p in rows), separators=(",", ":"))
    key = f"health:{town.lg_code}:{on.isoformat()}:{hashlib.sha256(body.encode()).hexdigest()[:24]}"
    latest = next(engine for engine in reversed(engine_versions) if engine.governs(on - timedelta(days=1)))
    expires = fiscal_year_end(on) if rules.points_lapse_on(latest.rule, day=on) else NEVER
    residents = {  # only what the points accounts need: built from plain rows, not loaded as 100,000 models
        pk: Resident(pk=pk, pairwise_id=pairwise, municipality=town)
        for pk, pairwise in Resident.objects.filter(municipality=town).values_list("pk", "pairwise_id")
        if pk in totals
    }

    def record(journal: Journal) -> None:
        insert_rows(
            "health_award",
            [
                ("resident_id", "bigint"),
                ("day", "date"),
                ("component", "text"),
                ("rule_version_id", "bigint"),
                ("points", "integer"),
                ("journal_key", "text"),
                ("run_on", "date"),
            ],
            [(r, d, c, stored[v].pk, p, journal.key, on) for r, d, c, v, p in rows],
        )
        audit_record(
            tag=HealthEvent.AWARDS_POSTED,
            actor=actor,
            subject=f"journal:{journal.key}",
            data={"residents": len(totals), "points": sum(totals.values()), "on": on.isoformat()},
            municipality=town.lg_code,
        )

    points_award(
        municipality=town,
        awards=[(residents[r], points) for r, points in sorted(totals.items())],
        key=key,
        on=on,
        reason="health",
        expires_on=expires,
        memo={"run_on": on.isoformat()},
        inside=record,
    )
    return TownRun(town.lg_code, len(totals), sum(totals.values()), key)
