"""Health endpoints: a resident's activity and uploads; partners' signed batches; a town's review queue and rule
simulation. Staff routes refuse other towns' staff (`tenancy.forbidden`)."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, UploadedFile
from ninja.security import django_auth

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.health import selectors, services
from hiroba.health.schemas import (
    ActivityOut,
    BatchOut,
    HeldDayOut,
    ImportOut,
    ReviewIn,
    SimulateIn,
    SimulationOut,
)
from hiroba.identity.web import signed_in_resident
from hiroba.tenancy.selectors import staff_scope

router = Router(tags=["health"], auth=django_auth)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


@router.get("/health/activity", response=ActivityOut, summary="The resident's last four weeks, checkups and consents")
def activity(request: HttpRequest) -> dict[str, Any]:
    found = selectors.resident_activity(resident=signed_in_resident(request), today=timezone.localdate())
    return {
        "days": [{"date": d.day, "steps": d.steps, "status": d.status, "points": d.points} for d in found.days],
        "checkups": [{"date": day, "kind": kind} for day, kind in found.checkups],
        "consents": found.consents,
    }


@router.post("/health/steps", response=ImportOut, summary="Upload a step export (Apple Health, Health Connect, Fit)")
def steps_upload(request: HttpRequest, export: File[UploadedFile]) -> dict[str, Any]:
    summary = services.steps_import(
        resident=signed_in_resident(request), upload=cast("BinaryIO", export), actor=_actor(request)
    )
    return {"imported": summary.imported, "skipped": summary.skipped, "held": summary.held}


@router.post(
    "/health/partners/{slug}/steps",
    auth=None,
    response=BatchOut,
    summary="A partner's signed batch of daily totals",
    description="Headers: `X-Hiroba-Timestamp` (Unix seconds), `X-Hiroba-Nonce` (16-64 of A-Z a-z 0-9 _ -, also "
    "sent as `Idempotency-Key`), `X-Hiroba-Signature`: hex HMAC-SHA256 under the partner's secret of "
    '"<timestamp>\\n<nonce>\\n<body>". Body: `{"entries": [{"user", "date", "steps", "max_per_minute"}]}`.',
)
def partner_steps(request: HttpRequest, slug: str) -> dict[str, Any]:
    summary = services.partner_batch_accept(
        slug=slug,
        body=request.body,
        timestamp=request.headers.get("X-Hiroba-Timestamp", ""),
        nonce=request.headers.get("X-Hiroba-Nonce", ""),
        signed=request.headers.get("X-Hiroba-Signature", ""),
    )
    return {
        "days": summary.days,
        "held": summary.held,
        "unknown_users": summary.unknown_users,
        "no_consent": summary.no_consent,
    }


@router.get("/municipalities/{lg_code}/health/review", response=list[HeldDayOut], summary="Days held for review")
def review_list(request: HttpRequest, lg_code: str) -> list[dict[str, Any]]:
    days = selectors.held_days(scope=staff_scope(user=request.user), lg_code=lg_code)
    return [
        {"id": d.pk, "resident": d.resident.pairwise_id, "date": d.day, "steps": d.steps, "reasons": d.hold_reasons}
        for d in days
    ]


@router.post("/municipalities/{lg_code}/health/review/{day_id}", response=HeldDayOut, summary="Decide a held day")
def review_decide(request: HttpRequest, lg_code: str, day_id: int, body: ReviewIn) -> dict[str, Any]:
    selectors.town_require(staff_scope(user=request.user), lg_code)
    day = services.day_review(
        lg_code=lg_code, day_id=day_id, approve=body.approve, reason=body.reason, actor=_actor(request)
    )
    return {"id": day.pk, "resident": day.resident.pairwise_id, "date": day.day, "steps": day.steps,
            "reasons": day.hold_reasons}  # fmt: skip


@router.post(
    "/municipalities/{lg_code}/health/rules/simulate",
    response=SimulationOut,
    summary="Simulate a draft rule on recent real data",
)
def rule_simulate(request: HttpRequest, lg_code: str, body: SimulateIn) -> dict[str, Any]:
    found = selectors.rule_simulate(
        scope=staff_scope(user=request.user),
        lg_code=lg_code,
        document=body.document,
        today=timezone.localdate(),
        days=body.days,
    )
    return {
        "first_day": found.first_day,
        "last_day": found.last_day,
        "residents": found.residents,
        "points": found.draft.total,
        "earning_residents": found.draft.earning_residents,
        "by_component": dict(found.draft.by_component),
        "cost_yen": found.cost(found.draft),
        "current_points": found.current.total if found.current else None,
        "current_cost_yen": found.cost(found.current),
        "budget_left": found.budget_left,
    }
