"""Reads of moderation: what is hidden (and why), and the reports waiting for the agency's moderators."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from hiroba.cocreation.models import Hidden, ModerationReport


def post_hidden(*, kind: str, ref: str) -> Hidden | None:
    return Hidden.objects.filter(kind=kind, ref=ref).first()


def not_hidden(kind: str, field: str = "pk") -> Q:
    """A filter that keeps the rows of `kind` no moderator has hidden."""
    return ~Q(Exists(Hidden.objects.filter(kind=kind, ref=OuterRef(field))))


@dataclass(frozen=True)
class ReportGroup:
    kind: str
    ref: str
    reports: int
    reasons: list[str]
    hidden: bool


def report_queue() -> list[ReportGroup]:
    """Posts with reports not yet handled, most reported first."""
    open_reports = ModerationReport.objects.filter(handled_at__isnull=True)
    groups = open_reports.values("kind", "ref").annotate(n=Count("pk")).order_by("-n", "kind", "ref")
    hidden = {(h.kind, h.ref) for h in Hidden.objects.all()}
    out = []
    for g in groups:
        reasons = list(open_reports.filter(kind=g["kind"], ref=g["ref"]).values_list("reason", flat=True)[:5])
        out.append(ReportGroup(g["kind"], g["ref"], g["n"], reasons, (g["kind"], g["ref"]) in hidden))
    return out
