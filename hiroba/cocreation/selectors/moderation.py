"""Reads of moderation: what is hidden (and why), and the reports waiting for the agency's moderators."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from hiroba.cocreation.models import Hidden, ModerationReport, ReportTarget
from hiroba.cocreation.models.workshops import IdeaCard


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
    team: tuple[str, int] | None = None  # a card's workshop and team (its page)


def report_queue() -> list[ReportGroup]:
    """Posts with reports not yet handled, most reported first."""
    open_reports = ModerationReport.objects.filter(handled_at__isnull=True)
    groups = list(open_reports.values("kind", "ref").annotate(n=Count("pk")).order_by("-n", "kind", "ref"))
    hidden = {(h.kind, h.ref) for h in Hidden.objects.all()}
    card_ids = [int(g["ref"]) for g in groups if g["kind"] == ReportTarget.CARD and g["ref"].isdigit()]
    teams = {
        str(pk): (workshop_id, team_id)
        for pk, workshop_id, team_id in IdeaCard.objects.filter(pk__in=card_ids).values_list(
            "pk", "team__workshop_id", "team_id"
        )
    }
    reasons_of: dict[tuple[str, str], list[str]] = {}
    for kind, ref, reason in open_reports.order_by("pk").values_list("kind", "ref", "reason"):
        reasons_of.setdefault((kind, ref), []).append(reason)
    out = []
    for g in groups:
        reasons = reasons_of[(g["kind"], g["ref"])][:5]
        team = teams.get(g["ref"]) if g["kind"] == ReportTarget.CARD else None
        out.append(ReportGroup(g["kind"], g["ref"], g["n"], reasons, (g["kind"], g["ref"]) in hidden, team))
    return out
