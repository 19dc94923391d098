"""Follows, notifications and the e-mail digest.

Following is explicit (the follow button) or implied by taking part: posting, supporting or commenting on an idea
follows it; reporting a counter problem or saying 「うちもです」 follows the problem. Every act that others should
know about calls `notify`, which writes one notification per follower (never to the actor) in the act's own
transaction. Followers of a counter problem also hear about the ideas linked to it, and of those ideas' requests to
the agency. The digest sends each staff member's unsent notifications once a day or once a week, as they choose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import (
    CounterProblem,
    Digest,
    Follow,
    FollowKind,
    Idea,
    Notification,
    NotificationSetting,
    NotificationVerb,
    Space,
)
from hiroba.cocreation.services.common import _poster
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Invalid, NotFound
from hiroba.identity.models import User
from hiroba.tenancy.models import Staff

MAX_TOPIC = 40
Target = tuple[str, str]  # (FollowKind, ref)


def follow(*, user: User, kind: FollowKind, ref: str) -> None:
    """Follow quietly (taking part implies it); following twice changes nothing."""
    Follow.objects.get_or_create(user=user, kind=kind, ref=ref)


def _target_exists(kind: str, ref: str) -> bool:
    match kind:
        case FollowKind.IDEA:
            return Idea.objects.filter(pk=ref).exists()
        case FollowKind.PROBLEM:
            return CounterProblem.objects.filter(pk=ref).exists()
        case FollowKind.SPACE:
            return Space.objects.filter(slug=ref).exists()
        case FollowKind.USER:
            return ref.isdigit() and Staff.objects.filter(user_id=int(ref)).exists()
        case FollowKind.TOPIC:
            return 0 < len(ref) <= MAX_TOPIC and ref.isprintable()
    return False


@transaction.atomic
def follow_set(*, actor: Actor, kind: str, ref: str, on: bool) -> bool:
    """Follow or stop following an idea, a problem, a space, a staff member or a topic; returns whether the actor
    now follows it."""
    poster = _poster(actor)
    ref = ref.strip()
    if kind not in FollowKind.values or not _target_exists(kind, ref):
        raise NotFound("cocreation.follow.unknown", ja="フォローする対象が見つかりません。", en="Nothing to follow.")
    if on:
        follow(user=poster.user, kind=FollowKind(kind), ref=ref)
    else:
        Follow.objects.filter(user=poster.user, kind=kind, ref=ref).delete()
    return on


def notify(
    *,
    verb: NotificationVerb,
    about: Target,
    title: str,
    detail: str = "",
    followers_of: Iterable[Target],
    actor: User | None,
) -> int:
    """One notification for each follower of any of `followers_of` (each once, never the actor); returns how many."""
    targets = list(followers_of)
    if not targets:
        return 0
    match = Q()
    for kind, ref in targets:
        match |= Q(kind=kind, ref=ref)
    users = set(Follow.objects.filter(match).values_list("user_id", flat=True))
    if actor is not None:
        users.discard(actor.pk)
    now = timezone.now()
    kind, ref = about
    Notification.objects.bulk_create(
        Notification(user_id=u, verb=verb, kind=kind, ref=ref, title=title[:200], detail=detail[:300], created_at=now)
        for u in sorted(users)
    )
    return len(users)


def idea_followers(idea: Idea) -> list[Target]:
    """Who hears about an idea: its followers and the followers of the counter problems it addresses."""
    problems = idea.problems.values_list("pk", flat=True)
    return [(FollowKind.IDEA, idea.pk), *((FollowKind.PROBLEM, p) for p in problems)]


@transaction.atomic
def notifications_mark_read(*, actor: Actor, ids: Sequence[int] | None = None) -> int:
    """Mark the actor's notifications read (all, or the given ones); others' are never touched."""
    poster = _poster(actor)
    rows = Notification.objects.filter(user=poster.user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def notification_setting_set(*, actor: Actor, digest: str) -> NotificationSetting:
    poster = _poster(actor)
    if digest not in Digest.values:
        raise Invalid("cocreation.digest", ja="メールの頻度が正しくありません。", en="Unknown digest frequency.")
    setting, _ = NotificationSetting.objects.update_or_create(user=poster.user, defaults={"digest": digest})
    audit_record(tag=CocreationEvent.DIGEST_SET, actor=actor, subject=f"user:{poster.user.pk}", data={"digest": digest})
    return setting


@dataclass(frozen=True)
class DigestRun:
    sent: int  # e-mails
    notifications: int  # notifications they carried
    without_address: int  # staff with something to send but no e-mail address (they still see it in the app)


def _digest_users(period: Digest) -> Iterable[User]:
    chosen = NotificationSetting.objects.filter(digest=period).values_list("user_id", flat=True)
    unsent = Notification.objects.filter(emailed_at__isnull=True).values_list("user_id", flat=True)
    users = User.objects.filter(pk__in=unsent)
    if period == Digest.WEEKLY:  # weekly is the default: everyone without a setting too
        return users.exclude(pk__in=NotificationSetting.objects.exclude(digest=period).values_list("user_id"))
    return users.filter(pk__in=chosen)


def digest_send(*, period: Digest, now: datetime | None = None) -> DigestRun:
    """Send each staff member who chose `period` one e-mail with their notifications not sent before. Each person is
    one transaction that locks their setting, so two runs at once never send the same notification twice; a failed
    send leaves the notifications unsent for the next run."""
    now = now or timezone.now()
    sent = carried = without = 0
    for user in _digest_users(period):
        with transaction.atomic():
            setting, _ = NotificationSetting.objects.get_or_create(user=user)
            NotificationSetting.objects.select_for_update().filter(pk=setting.pk).first()
            rows = list(
                Notification.objects.filter(user=user, emailed_at__isnull=True, created_at__lte=now).order_by(
                    "created_at", "pk"
                )
            )
            if not rows:
                continue
            if not user.email:
                without += 1
                continue
            send_mail(
                subject=f"ひろば ワークショップのお知らせ({len(rows)}件) / Hiroba workshop: {len(rows)} new",
                message=_digest_text(rows),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=now)
            NotificationSetting.objects.filter(pk=setting.pk).update(last_digest_at=now)
            sent += 1
            carried += len(rows)
    return DigestRun(sent=sent, notifications=carried, without_address=without)


def notification_path(n: Notification) -> str:
    return {
        FollowKind.IDEA: f"/cocreation/i/{n.ref}/",
        FollowKind.PROBLEM: f"/cocreation/problems/{n.ref}/",
        FollowKind.SPACE: f"/cocreation/s/{n.ref}/",
    }.get(FollowKind(n.kind), "/cocreation/notifications/")


def _digest_text(rows: list[Notification]) -> str:
    origin = settings.SITE_ORIGIN or "http://localhost:8000"
    lines = ["ひろば ワークショップからのお知らせです。", ""]
    with translation.override("ja"):
        for n in rows:
            lines.append(f"■ {NotificationVerb(n.verb).label}: {n.title}")
            if n.detail:
                lines.append(f"  {n.detail}")
            lines.append(f"  {origin}{notification_path(n)}")
    lines += ["", f"メールの頻度は {origin}/cocreation/notifications/ で変えられます。"]
    lines += ["You can change how often you get this e-mail on the same page."]
    return "\n".join(lines) + "\n"
