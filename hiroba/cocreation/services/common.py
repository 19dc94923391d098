"""What every co-creation service shares: who is posting, how texts are cleaned, and the search index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hiroba.cocreation.models import CounterProblem, Idea, SearchEntry, SearchKind
from hiroba.cocreation.selectors import staff_required
from hiroba.core.audit import Actor
from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.identity.models import User
from hiroba.tenancy.selectors import actor_scope

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_SERVICES = 10
MAX_SERVICE = 40


@dataclass(frozen=True)
class Poster:
    """A staff member of a municipality or of the agency (`lg_code` None), as they post."""

    user: User
    lg_code: str | None


def _poster(actor: Actor) -> Poster:
    user = staff_required(actor=actor)
    scope = actor_scope(actor)
    return Poster(user, None if scope.is_agency else scope.municipality)


def _text(value: str, *, field: str, limit: int, ja: str) -> str:
    """Trimmed, bounded, and without control characters other than line breaks and tabs (PostgreSQL refuses NUL)."""
    text = "".join(ch for ch in value if ch.isprintable() or ch in "\n\t").strip()
    if not text or len(text) > limit:
        raise Invalid(
            f"cocreation.{field}",
            ja=f"{ja}を{limit}字以内で入力してください。",
            en=f"Enter the {field} ({limit} characters at most).",
            detail={"field": field},
        )
    return text


def _index(kind: SearchKind, ref: str, title: str, body: str) -> None:
    SearchEntry.objects.update_or_create(kind=kind, ref=ref, defaults={"title": title, "body": body})


def _labels(services: Sequence[str]) -> list[str]:
    """An idea's affected services: short labels, at most MAX_SERVICES."""
    labels = [s.strip() for s in services if s.strip()]
    if len(labels) > MAX_SERVICES or any(len(s) > MAX_SERVICE for s in labels):
        raise Invalid(
            "cocreation.services",
            ja=f"関係する業務は{MAX_SERVICES}件まで、各{MAX_SERVICE}字以内です。",
            en=f"At most {MAX_SERVICES} services of {MAX_SERVICE} characters each.",
        )
    return labels


def _index_drop(kind: SearchKind, ref: str) -> None:
    SearchEntry.objects.filter(kind=kind, ref=ref).delete()


def _town_staff(actor: Actor) -> tuple[User, str]:
    poster = _poster(actor)
    if poster.lg_code is None:
        raise PermissionDenied(
            "cocreation.town_staff",
            ja="この操作は自治体の職員が行います。",
            en="Municipal staff do this.",
        )
    return poster.user, poster.lg_code


def _index_idea(idea: Idea) -> None:
    _index(SearchKind.IDEA, idea.pk, idea.title, "\n".join([idea.problem, idea.proposal, *idea.services]))


def _index_problem(problem: CounterProblem) -> None:
    _index(SearchKind.PROBLEM, problem.pk, problem.summary, problem.detail)
