"""Writes of the co-creation app. Every act is one transaction that also writes the search entry of what it
changed and its audit record; texts are kept as typed (trimmed, bounded) and rendered escaped everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import (
    Comment,
    CounterProblem,
    Idea,
    SameHere,
    SearchEntry,
    SearchKind,
    Space,
    Stance,
    Support,
)
from hiroba.cocreation.selectors import staff_required
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, PermissionDenied
from hiroba.identity.models import User
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, scope_require

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


@transaction.atomic
def space_create(*, actor: Actor, slug: str, name: str, name_en: str, description: str = "") -> Space:
    """A theme space; the agency opens them."""
    scope_require(actor_scope(actor), Role.AGENCY, None)
    try:
        with transaction.atomic():
            space = Space.objects.create(
                slug=slug,
                name=_text(name, field="name", limit=100, ja="名前"),
                name_en=_text(name_en, field="name_en", limit=100, ja="英語の名前"),
                description=description.strip()[:MAX_TEXT],
            )
    except IntegrityError as exc:
        raise Conflict("cocreation.space.exists", ja="同じ名前の場があります。", en="The space exists.") from exc
    audit_record(tag=CocreationEvent.SPACE_CREATED, actor=actor, subject=f"space:{space.slug}")
    return space


@transaction.atomic
def idea_post(
    *, actor: Actor, space: Space, title: str, problem: str, proposal: str, services: Sequence[str] = ()
) -> Idea:
    poster = _poster(actor)
    labels = [s.strip() for s in services if s.strip()]
    if len(labels) > MAX_SERVICES or any(len(s) > MAX_SERVICE for s in labels):
        raise Invalid(
            "cocreation.services",
            ja=f"関係する業務は{MAX_SERVICES}件まで、各{MAX_SERVICE}字以内です。",
            en=f"At most {MAX_SERVICES} services of {MAX_SERVICE} characters each.",
        )
    idea = Idea.objects.create(
        space=space,
        author=poster.user,
        municipality_id=poster.lg_code,
        title=_text(title, field="title", limit=MAX_TITLE, ja="題名"),
        problem=_text(problem, field="problem", limit=MAX_TEXT, ja="困っていること"),
        proposal=_text(proposal, field="proposal", limit=MAX_TEXT, ja="提案"),
        services=labels,
    )
    _index(SearchKind.IDEA, idea.pk, idea.title, "\n".join([idea.problem, idea.proposal, *labels]))
    audit_record(tag=CocreationEvent.IDEA_POSTED, actor=actor, subject=f"idea:{idea.pk}", municipality=poster.lg_code)
    return idea


@transaction.atomic
def idea_support(*, actor: Actor, idea: Idea) -> Support:
    """One support per staff member (the database refuses a second); counted by staff and by municipality."""
    poster = _poster(actor)
    try:
        with transaction.atomic():
            support = Support.objects.create(idea=idea, user=poster.user, municipality_id=poster.lg_code)
    except IntegrityError as exc:
        raise Conflict(
            "cocreation.support.twice", ja="このアイデアには賛同済みです。", en="You already support this idea."
        ) from exc
    audit_record(
        tag=CocreationEvent.IDEA_SUPPORTED, actor=actor, subject=f"idea:{idea.pk}", municipality=poster.lg_code
    )
    return support


@transaction.atomic
def comment_add(
    *, actor: Actor, idea: Idea, body: str, stance: str = Stance.COMMENT, reply_to: Comment | None = None
) -> Comment:
    """A comment, an argument for or against, or a reply to a top-level comment (replies do not nest further)."""
    poster = _poster(actor)
    if stance not in Stance.values:
        raise Invalid("cocreation.stance", ja="意見の種類が正しくありません。", en="Unknown stance.")
    if reply_to is not None and (reply_to.idea_id != idea.pk or reply_to.parent_id is not None):
        raise Invalid(
            "cocreation.reply",
            ja="返信できるのはこのアイデアへのコメントだけです。",
            en="Reply to a comment on this idea.",
        )
    comment = Comment.objects.create(
        idea=idea,
        parent=reply_to,
        author=poster.user,
        municipality_id=poster.lg_code,
        stance=stance,
        body=_text(body, field="body", limit=MAX_TEXT, ja="コメント"),
    )
    audit_record(
        tag=CocreationEvent.COMMENT_ADDED, actor=actor, subject=f"idea:{idea.pk}", municipality=poster.lg_code,
        data={"comment": comment.pk, "stance": stance},
    )  # fmt: skip
    return comment


def _town_staff(actor: Actor) -> tuple[User, str]:
    poster = _poster(actor)
    if poster.lg_code is None:
        raise PermissionDenied(
            "cocreation.problem.town_staff",
            ja="窓口のお困りごとは自治体の職員が登録します。",
            en="Counter problems are reported and marked by municipal staff.",
        )
    return poster.user, poster.lg_code
    return poster


@transaction.atomic
def problem_report(*, actor: Actor, summary: str, detail: str = "") -> CounterProblem:
    """A short counter problem; the reporter's own town is its first "same here"."""
    user, lg_code = _town_staff(actor)
    problem = CounterProblem.objects.create(
        author=user,
        municipality_id=lg_code,
        summary=_text(summary, field="summary", limit=MAX_TITLE, ja="お困りごと"),
        detail=_text(detail, field="detail", limit=MAX_TEXT, ja="詳しい内容") if detail.strip() else "",
    )
    SameHere.objects.create(problem=problem, municipality_id=lg_code, user=user)
    _index(SearchKind.PROBLEM, problem.pk, problem.summary, problem.detail)
    audit_record(
        tag=CocreationEvent.PROBLEM_REPORTED, actor=actor, subject=f"problem:{problem.pk}", municipality=lg_code
    )
    return problem


@transaction.atomic
def problem_same_here(*, actor: Actor, problem: CounterProblem) -> SameHere:
    """「うちもです」: the actor's municipality is affected too (once per municipality, by constraint)."""
    user, lg_code = _town_staff(actor)
    try:
        with transaction.atomic():
            mark = SameHere.objects.create(problem=problem, municipality_id=lg_code, user=user)
    except IntegrityError as exc:
        raise Conflict(
            "cocreation.same_here.twice",
            ja="あなたの自治体は登録済みです。",
            en="Your municipality is already counted.",
        ) from exc
    audit_record(
        tag=CocreationEvent.PROBLEM_SAME_HERE, actor=actor, subject=f"problem:{problem.pk}", municipality=lg_code
    )
    return mark


@transaction.atomic
def problem_link_idea(*, actor: Actor, problem: CounterProblem, idea: Idea) -> None:
    """Link an idea that addresses the problem (any staff member; linking twice changes nothing)."""
    poster = _poster(actor)
    problem.ideas.add(idea)
    audit_record(
        tag=CocreationEvent.PROBLEM_LINKED, actor=actor, subject=f"problem:{problem.pk}",
        data={"idea": idea.pk}, municipality=poster.lg_code,
    )  # fmt: skip
