"""Reads of requests to the agency: the public tracker (answer times, open requests by age) and a request's
answers."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone

from hiroba.cocreation.models import AgencyRequest, Hidden, RequestStatus, RequestUpdate

# Open requests are grouped by age (days since escalation): under 30, 30–89, 90–179, 180 and over.
AGE_BUCKETS = (30, 90, 180)


@dataclass(frozen=True)
class TrackerRow:
    request: AgencyRequest
    towns: int  # municipalities supporting the idea
    age_days: int  # since escalation (to closing, for a closed request)
    answer_days: int | None  # escalation to the first answer
    latest: RequestUpdate | None


@dataclass(frozen=True)
class Tracker:
    rows: list[TrackerRow]
    by_status: dict[str, int]
    open_by_age: list[tuple[str, int]]  # (label, count)
    answered: int
    median_answer_days: float | None
    p90_answer_days: float | None
    unanswered: int


def _days(delta: timedelta) -> int:
    return max(0, delta.days)


def _bucket(age: int) -> str:
    low = 0
    for high in AGE_BUCKETS:
        if age < high:
            return f"{low}–{high - 1}"
        low = high
    return f"{low}+"


def request_tracker(*, now: datetime | None = None) -> Tracker:
    """Every visible request, open ones oldest first, with the figures the public tracker shows."""
    now = now or timezone.now()
    requests = list(
        AgencyRequest.objects.filter(~Exists(Hidden.objects.filter(kind="idea", ref=OuterRef("idea_id"))))
        .select_related("idea", "municipality")
        .annotate(n_towns=Count("idea__supports__municipality", distinct=True))
        .order_by(F("closed_at").asc(nulls_first=True), "escalated_at", "id")  # open ones (no closing) first
    )
    latest: dict[str, RequestUpdate] = {}
    for update in RequestUpdate.objects.filter(request__in=requests).order_by("created_at", "pk"):
        latest[update.request_id] = update
    rows = []
    for r in requests:
        answer_days = _days(r.first_answered_at - r.escalated_at) if r.first_answered_at else None
        age = _days((r.closed_at or now) - r.escalated_at)
        rows.append(TrackerRow(r, r.n_towns, age, answer_days, latest.get(r.pk)))
    open_rows = [row for row in rows if row.request.closed_at is None]
    labels = [_bucket(low) for low in (0, *AGE_BUCKETS)]
    open_by_age = [(label, sum(1 for row in open_rows if _bucket(row.age_days) == label)) for label in labels]
    answers = sorted(row.answer_days for row in rows if row.answer_days is not None)
    p90 = answers[min(len(answers) - 1, (9 * len(answers)) // 10)] if answers else None
    return Tracker(
        rows=rows,
        by_status={s: sum(1 for row in rows if row.request.status == s) for s in RequestStatus.values},
        open_by_age=open_by_age,
        answered=len(answers),
        median_answer_days=statistics.median(answers) if answers else None,
        p90_answer_days=float(p90) if p90 is not None else None,
        unanswered=sum(1 for row in rows if row.answer_days is None),
    )


def request_of(*, idea_id: str) -> AgencyRequest | None:
    return AgencyRequest.objects.select_related("municipality").filter(idea_id=idea_id).first()


def request_updates(*, request: AgencyRequest) -> list[RequestUpdate]:
    return list(RequestUpdate.objects.filter(request=request).order_by("created_at", "pk"))


def agency_inbox() -> list[TrackerRow]:
    """The agency's open requests, oldest first."""
    return [row for row in request_tracker().rows if row.request.closed_at is None]
