"""A municipality's point rules: new versions from a date, never edits."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Invalid
from hiroba.health.events import HealthEvent
from hiroba.health.models import RuleVersion
from hiroba.health.refusals import rule_check
from hiroba.tenancy.models import Municipality


@transaction.atomic
def rule_version_add(
    *,
    municipality: Municipality,
    document: object,
    valid_from: date,
    note: str,
    actor: Actor,
    today: date | None = None,
) -> RuleVersion:
    """Adopt a rule from `valid_from` (today or later, and after the latest version's start). Days already open
    to awards keep the version that governed them when `valid_from` is in the future."""
    rule = rule_check(document)
    today = today or timezone.localdate()
    if valid_from < today:
        raise Invalid(
            "health.rule_in_past",
            ja="ルールは今日以降の日付から適用できます。",
            en="A rule can start today at the earliest.",
        )
    versions = RuleVersion.objects.select_for_update().filter(municipality=municipality)
    latest = versions.aggregate(start=Max("valid_from"), number=Max("number"))
    if latest["start"] is not None and valid_from <= latest["start"]:
        raise Invalid(
            "health.rule_order",
            ja="前のバージョンの開始日より後の日付を指定してください。",
            en="A new version must start after the latest version does.",
            detail={"latest_from": latest["start"].isoformat()},
        )
    version = RuleVersion.objects.create(
        municipality=municipality,
        number=(latest["number"] or 0) + 1,
        valid_from=valid_from,
        document=rule.dump(),
        note=note[:200],
        created_by=actor.ref,
        created_at=timezone.now(),
    )
    audit_record(
        tag=HealthEvent.RULE_ADDED,
        actor=actor,
        subject=f"rule:{municipality.lg_code}:{version.number}",
        data={"valid_from": valid_from.isoformat(), "document": rule.dump()},
        municipality=municipality.lg_code,
    )
    return version
