"""Moderation: any staff member may report a post (an idea, a comment, a counter problem, a workshop's idea card, a
staff profile) once; the agency's staff moderate, hiding a post with a reason that is shown in its place (and taking
it out of search) or showing it again. Every act is audited with its reason; the author is told when their post is
hidden."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import (
    Comment,
    CounterProblem,
    FollowKind,
    Hidden,
    Idea,
    ModerationReport,
    Notification,
    NotificationVerb,
    ReportTarget,
    SearchKind,
)
from hiroba.cocreation.models.directory import StaffProfile
from hiroba.cocreation.models.workshops import IdeaCard
from hiroba.cocreation.selectors.directory import profile_get
from hiroba.cocreation.services.common import _index_drop, _index_idea, _index_problem, _poster, _text
from hiroba.cocreation.services.directory import profile_index
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, NotFound
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, scope_require

MAX_REASON = 300


@dataclass(frozen=True)
class Post:
    kind: ReportTarget
    ref: str
    author_id: int
    title: str
    link: tuple[FollowKind, str]  # where the post is seen


def _card(pk: int) -> IdeaCard | None:
    return IdeaCard.objects.select_related("team__workshop__space").filter(pk=pk).first()


def _profile(public_id: str) -> StaffProfile | None:
    return StaffProfile.objects.select_related("user").filter(user__public_id=public_id).first()


def post_find(kind: str, ref: str) -> Post:
    if kind == ReportTarget.IDEA and (idea := Idea.objects.filter(pk=ref).first()):
        return Post(ReportTarget.IDEA, idea.pk, idea.author_id, idea.title, (FollowKind.IDEA, idea.pk))
    if kind == ReportTarget.PROBLEM and (problem := CounterProblem.objects.filter(pk=ref).first()):
        return Post(
            ReportTarget.PROBLEM, problem.pk, problem.author_id, problem.summary, (FollowKind.PROBLEM, problem.pk)
        )
    if kind == ReportTarget.COMMENT and ref.isdigit() and (comment := Comment.objects.filter(pk=int(ref)).first()):
        link = (FollowKind.IDEA, comment.idea_id)
        return Post(ReportTarget.COMMENT, str(comment.pk), comment.author_id, comment.body[:60], link)
    if kind == ReportTarget.CARD and ref.isdigit() and (card := _card(int(ref))):
        link = (FollowKind.SPACE, card.team.workshop.space.slug)
        return Post(ReportTarget.CARD, str(card.pk), card.author_id, card.text[:60], link)
    if kind == ReportTarget.PROFILE and (profile := _profile(ref)):
        link = (FollowKind.USER, str(profile.user_id))
        return Post(ReportTarget.PROFILE, profile.user.public_id, profile.user_id, profile.user.full_name, link)
    raise NotFound("cocreation.post.unknown", ja="その投稿は見つかりません。", en="No such post.")


@transaction.atomic
def post_report(*, actor: Actor, kind: str, ref: str, reason: str) -> ModerationReport:
    poster = _poster(actor)
    post = post_find(kind, ref)
    if post.kind == ReportTarget.PROFILE:
        profile_get(actor=actor, public_id=post.ref)  # a profile the reporter may not see does not exist for them
    try:
        with transaction.atomic():
            report = ModerationReport.objects.create(
                reporter=poster.user, kind=post.kind, ref=post.ref,
                reason=_text(reason, field="reason", limit=MAX_REASON, ja="報告の理由"),
            )  # fmt: skip
    except IntegrityError as exc:
        raise Conflict(
            "cocreation.report.twice", ja="この投稿は報告済みです。", en="You have already reported this post."
        ) from exc
    audit_record(
        tag=CocreationEvent.POST_REPORTED, actor=actor, subject=f"{post.kind}:{post.ref}",
        data={"reason": report.reason}, municipality=poster.lg_code,
    )  # fmt: skip
    return report


def _reindex(post: Post) -> None:
    if post.kind == ReportTarget.IDEA:
        _index_idea(Idea.objects.get(pk=post.ref))
    elif post.kind == ReportTarget.PROBLEM:
        _index_problem(CounterProblem.objects.get(pk=post.ref))
    elif post.kind == ReportTarget.PROFILE:
        profile_index(StaffProfile.objects.select_related("user").get(user_id=post.author_id))


@transaction.atomic
def post_hide(*, actor: Actor, kind: str, ref: str, reason: str) -> Hidden:
    """Hide a post (the agency's moderators); the reason is shown in its place and its reports are handled."""
    scope_require(actor_scope(actor), Role.AGENCY, None)
    poster = _poster(actor)
    post = post_find(kind, ref)
    try:
        with transaction.atomic():
            hidden = Hidden.objects.create(
                kind=post.kind, ref=post.ref, moderator=poster.user,
                reason=_text(reason, field="reason", limit=MAX_REASON, ja="非表示の理由"),
            )  # fmt: skip
    except IntegrityError as exc:
        raise Conflict("cocreation.hidden.already", ja="すでに非表示です。", en="The post is hidden already.") from exc
    if post.kind in (ReportTarget.IDEA, ReportTarget.PROBLEM, ReportTarget.PROFILE):
        _index_drop(SearchKind(post.kind), post.ref)
    now = timezone.now()
    ModerationReport.objects.filter(kind=post.kind, ref=post.ref, handled_at__isnull=True).update(handled_at=now)
    kind_, ref_ = post.link
    Notification.objects.create(
        user_id=post.author_id, verb=NotificationVerb.HIDDEN, kind=kind_, ref=ref_, title=post.title,
        detail=hidden.reason, created_at=now,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.POST_HIDDEN, actor=actor, subject=f"{post.kind}:{post.ref}", data={"reason": hidden.reason}
    )
    return hidden


@transaction.atomic
def post_show(*, actor: Actor, kind: str, ref: str, reason: str) -> None:
    """Show a hidden post again (the agency's moderators), with the reason for the record."""
    scope_require(actor_scope(actor), Role.AGENCY, None)
    post = post_find(kind, ref)
    why = _text(reason, field="reason", limit=MAX_REASON, ja="再表示の理由")
    deleted, _ = Hidden.objects.filter(kind=post.kind, ref=post.ref).delete()
    if not deleted:
        raise Conflict("cocreation.hidden.not", ja="この投稿は非表示ではありません。", en="The post is not hidden.")
    _reindex(post)
    audit_record(tag=CocreationEvent.POST_SHOWN, actor=actor, subject=f"{post.kind}:{post.ref}", data={"reason": why})
