"""Co-creation endpoints (staff of municipalities and the agency)."""

from __future__ import annotations

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
