"""Writes of the co-creation app. Every act is one transaction that also writes the search entry of what it
changed, its audit record and the notifications of those who follow it; texts are kept as typed (trimmed, bounded)
and rendered escaped (or through the safe Markdown subset) everywhere.

The services of each part live in modules of their own and are re-exported here: `requests` (要望 to the agency),
`moderation`, `attachments`, `notify` (follows, notifications, digests)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import (
    Comment,
    CounterProblem,
    FollowKind,
    Idea,
    NotificationVerb,
    SameHere,
    Space,
    Stance,
    Support,
)
from hiroba.cocreation.services.common import (
    MAX_TEXT,
    MAX_TITLE,
    _index,
    _index_idea,
    _index_problem,
    _labels,
    _poster,
    _text,
    _town_staff,
)
from hiroba.cocreation.services.notify import follow, notify
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, PermissionDenied
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, scope_require


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
    """A new idea; its author follows it, and those who follow the space, the author or one of its services (as a
    topic) are told."""
    poster = _poster(actor)
    idea = Idea.objects.create(
        space=space,
        author=poster.user,
        municipality_id=poster.lg_code,
        title=_text(title, field="title", limit=MAX_TITLE, ja="題名"),
        problem=_text(problem, field="problem", limit=MAX_TEXT, ja="困っていること"),
        proposal=_text(proposal, field="proposal", limit=MAX_TEXT, ja="提案"),
        services=_labels(services),
    )
    _index_idea(idea)
    follow(user=poster.user, kind=FollowKind.IDEA, ref=idea.pk)
    notify(
        verb=NotificationVerb.IDEA_POSTED, about=(FollowKind.IDEA, idea.pk), title=idea.title, actor=poster.user,
        followers_of=[(FollowKind.SPACE, space.slug), (FollowKind.USER, str(poster.user.pk)),
                      *((FollowKind.TOPIC, label) for label in idea.services)],
    )  # fmt: skip
    audit_record(tag=CocreationEvent.IDEA_POSTED, actor=actor, subject=f"idea:{idea.pk}", municipality=poster.lg_code)
    return idea


@transaction.atomic
def idea_edit(*, actor: Actor, idea: Idea, title: str, problem: str, proposal: str, services: Sequence[str]) -> Idea:
    """The author corrects their idea (nobody else may); supports and discussion stay."""
    poster = _poster(actor)
    if idea.author_id != poster.user.pk:
        raise PermissionDenied(
            "cocreation.idea.not_author", ja="アイデアを直せるのは投稿した人だけです。", en="Only the author may edit."
        )
    idea.title = _text(title, field="title", limit=MAX_TITLE, ja="題名")
    idea.problem = _text(problem, field="problem", limit=MAX_TEXT, ja="困っていること")
    idea.proposal = _text(proposal, field="proposal", limit=MAX_TEXT, ja="提案")
    idea.services = _labels(services)
    idea.save(update_fields=["title", "problem", "proposal", "services"])
    _index_idea(idea)
    audit_record(tag=CocreationEvent.IDEA_EDITED, actor=actor, subject=f"idea:{idea.pk}", municipality=poster.lg_code)
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
    follow(user=poster.user, kind=FollowKind.IDEA, ref=idea.pk)
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
    follow(user=poster.user, kind=FollowKind.IDEA, ref=idea.pk)
    notify(
        verb=NotificationVerb.COMMENTED, about=(FollowKind.IDEA, idea.pk), title=idea.title,
        detail=comment.body[:100], followers_of=[(FollowKind.IDEA, idea.pk)], actor=poster.user,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.COMMENT_ADDED, actor=actor, subject=f"idea:{idea.pk}", municipality=poster.lg_code,
        data={"comment": comment.pk, "stance": stance},
    )  # fmt: skip
    return comment


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
    _index_problem(problem)
    follow(user=user, kind=FollowKind.PROBLEM, ref=problem.pk)
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
    follow(user=user, kind=FollowKind.PROBLEM, ref=problem.pk)
    notify(
        verb=NotificationVerb.SAME_HERE, about=(FollowKind.PROBLEM, problem.pk), title=problem.summary,
        detail=mark.municipality.name, followers_of=[(FollowKind.PROBLEM, problem.pk)], actor=user,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.PROBLEM_SAME_HERE, actor=actor, subject=f"problem:{problem.pk}", municipality=lg_code
    )
    return mark


@transaction.atomic
def problem_link_idea(*, actor: Actor, problem: CounterProblem, idea: Idea) -> None:
    """Link an idea that addresses the problem (any staff member; linking twice changes nothing). The problem's
    followers are told, and from now on hear about the idea too."""
    poster = _poster(actor)
    if problem.ideas.filter(pk=idea.pk).exists():
        return
    problem.ideas.add(idea)
    notify(
        verb=NotificationVerb.IDEA_FROM_PROBLEM, about=(FollowKind.IDEA, idea.pk), title=idea.title,
        detail=problem.summary, followers_of=[(FollowKind.PROBLEM, problem.pk)], actor=poster.user,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.PROBLEM_LINKED, actor=actor, subject=f"problem:{problem.pk}",
        data={"idea": idea.pk}, municipality=poster.lg_code,
    )  # fmt: skip


@transaction.atomic
def problem_to_idea(*, actor: Actor, problem: CounterProblem, space: Space, proposal: str) -> Idea:
    """Turn a counter problem into an idea in a space: the problem's text is the idea's problem, the actor writes
    the proposal, and the two are linked (so everyone who said 「うちもです」 follows the idea's progress)."""
    problem_text = problem.summary + ("\n\n" + problem.detail if problem.detail else "")
    idea = idea_post(actor=actor, space=space, title=problem.summary, problem=problem_text, proposal=proposal)
    problem_link_idea(actor=actor, problem=problem, idea=idea)
    return idea


# The other parts, re-exported so that callers import every service from here.
from hiroba.cocreation.services.attachments import attachment_add  # noqa: E402
from hiroba.cocreation.services.moderation import post_hide, post_report, post_show  # noqa: E402
from hiroba.cocreation.services.notify import (  # noqa: E402
    digest_send,
    follow_set,
    notification_setting_set,
    notifications_mark_read,
)
from hiroba.cocreation.services.requests import request_answer, request_escalate  # noqa: E402

__all__ = [
    "_index",
    "attachment_add",
    "comment_add",
    "digest_send",
    "follow_set",
    "idea_edit",
    "idea_post",
    "idea_support",
    "notification_setting_set",
    "notifications_mark_read",
    "post_hide",
    "post_report",
    "post_show",
    "problem_link_idea",
    "problem_report",
    "problem_same_here",
    "problem_to_idea",
    "request_answer",
    "request_escalate",
    "space_create",
]
