"""Co-creation endpoints (staff of municipalities and the agency)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import django_auth

from hiroba.cocreation import selectors
from hiroba.core.audit import Actor

router = Router(tags=["cocreation"], auth=django_auth)


class SegmentOut(Schema):
    text: str
    match: bool


class HitOut(Schema):
    kind: str = Field(..., description="idea, problem or profile")
    ref: str
    title: list[SegmentOut] = Field(..., description="the title cut into segments; `match` marks the query's terms")
    snippet: list[SegmentOut]


@router.get("/cocreation/search", response=list[HitOut], summary="Japanese full-text search, ranked and highlighted")
def search(request: HttpRequest, q: str = "", limit: int = 20) -> list[dict[str, Any]]:
    selectors.staff_required(actor=Actor.from_request(request))
    return [
        {
            "kind": hit.kind,
            "ref": hit.ref,
            "title": [{"text": t, "match": m} for t, m in hit.title],
            "snippet": [{"text": t, "match": m} for t, m in hit.snippet],
        }
        for hit in selectors.search(q=q, limit=limit)
    ]


class AnswerOut(Schema):
    status: str
    answer: str
    reason: str
    at: datetime


class RequestOut(Schema):
    id: str
    idea_title: str
    municipality: str = Field(..., description="the municipality that sent it (全国地方公共団体コード)")
    status: str = Field(..., description="received, considering, planned, done or declined")
    supporting_municipalities: int
    escalated_at: datetime
    first_answered_at: datetime | None
    closed_at: datetime | None
    age_days: int
    latest_answer: AnswerOut | None


class TrackerOut(Schema):
    requests: list[RequestOut]
    by_status: dict[str, int]
    open_by_age: dict[str, int] = Field(..., description="open requests by days since they were sent")
    median_answer_days: float | None
    p90_answer_days: float | None


@router.get(
    "/cocreation/requests", response=TrackerOut, auth=None, summary="The public tracker of requests to the agency"
)
def requests(request: HttpRequest) -> dict[str, Any]:
    tracker = selectors.request_tracker()
    return {
        "requests": [
            {
                "id": row.request.pk,
                "idea_title": row.request.idea.title,
                "municipality": row.request.municipality_id,
                "status": row.request.status,
                "supporting_municipalities": row.towns,
                "escalated_at": row.request.escalated_at,
                "first_answered_at": row.request.first_answered_at,
                "closed_at": row.request.closed_at,
                "age_days": row.age_days,
                "latest_answer": (
                    {
                        "status": row.latest.status,
                        "answer": row.latest.answer,
                        "reason": row.latest.reason,
                        "at": row.latest.created_at,
                    }
                    if row.latest
                    else None
                ),
            }
            for row in tracker.rows
        ],
        "by_status": tracker.by_status,
        "open_by_age": dict(tracker.open_by_age),
        "median_answer_days": tracker.median_answer_days,
        "p90_answer_days": tracker.p90_answer_days,
    }
