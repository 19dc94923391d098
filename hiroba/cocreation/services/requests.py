"""Requests to the agency (要望): a municipality's staff escalate an idea; the agency answers officially.

Each answer is a new `RequestUpdate` (the list is never edited); it sets the status along
受付 → 検討中 → 対応予定 → 対応済, or 対応困難 with a reason from any open status. An answer may keep the status (a
further reply). 対応済 and 対応困難 close the request. Everyone who follows the idea, or a counter problem it
addresses, is told of the escalation and of every answer.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import (
    FINAL_STATUSES,
    AgencyRequest,
    FollowKind,
    Idea,
    IdeaStatus,
    NotificationVerb,
    RequestStatus,
    RequestUpdate,
)
from hiroba.cocreation.selectors import post_hidden
from hiroba.cocreation.services.common import MAX_TEXT, _poster, _text, _town_staff
from hiroba.cocreation.services.notify import follow, idea_followers, notify
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, scope_require

ORDER = [RequestStatus.RECEIVED, RequestStatus.CONSIDERING, RequestStatus.PLANNED, RequestStatus.DONE]
# What an answer makes of the idea's own status (受付 and 検討中 leave it open for discussion).
IDEA_STATUS = {
    RequestStatus.PLANNED: IdeaStatus.IN_PROGRESS,
    RequestStatus.DONE: IdeaStatus.DONE,
    RequestStatus.DECLINED: IdeaStatus.CLOSED,
}


def status_allowed(current: str, new: str) -> bool:
    """Open requests move forward along ORDER (or stay, for a further answer) or are declined; closed ones stay."""
    if current in FINAL_STATUSES or new not in RequestStatus.values:
        return False
    if new == RequestStatus.DECLINED:
        return True
    return ORDER.index(RequestStatus(new)) >= ORDER.index(RequestStatus(current))


@transaction.atomic
def request_escalate(*, actor: Actor, idea: Idea) -> AgencyRequest:
    """Send an idea to the agency as a request (municipal staff; once per idea, by constraint)."""
    user, lg_code = _town_staff(actor)
    if post_hidden(kind="idea", ref=idea.pk):
        raise Conflict("cocreation.hidden", ja="非表示の投稿には操作できません。", en="The post is hidden.")
    try:
        with transaction.atomic():
            request = AgencyRequest.objects.create(
                idea=idea, escalated_by=user, municipality_id=lg_code, escalated_at=timezone.now()
            )
    except IntegrityError as exc:
        raise Conflict(
            "cocreation.request.exists",
            ja="このアイデアはデジタル庁に要望済みです。",
            en="This idea has already been sent to the agency.",
        ) from exc
    follow(user=user, kind=FollowKind.IDEA, ref=idea.pk)
    notify(
        verb=NotificationVerb.ESCALATED, about=(FollowKind.IDEA, idea.pk), title=idea.title,
        detail=request.municipality.name, followers_of=idea_followers(idea), actor=user,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.REQUEST_ESCALATED, actor=actor, subject=f"request:{request.pk}",
        data={"idea": idea.pk}, municipality=lg_code,
    )  # fmt: skip
    return request


@transaction.atomic
def request_answer(
    *, actor: Actor, request: AgencyRequest, status: str, answer: str, reason: str = ""
) -> RequestUpdate:
    """An official answer from the agency, with the status it sets (a reason is required to decline)."""
    scope_require(actor_scope(actor), Role.AGENCY, None)
    poster = _poster(actor)
    current = AgencyRequest.objects.select_for_update().get(pk=request.pk)  # two answers at once: one after the other
    if current.status in FINAL_STATUSES:
        raise Conflict("cocreation.request.closed", ja="この要望は完了しています。", en="The request is closed.")
    if not status_allowed(current.status, status):
        raise Invalid(
            "cocreation.request.transition",
            ja="この状態には変更できません。",
            en=f"A request cannot go from {current.status} to {status}.",
            detail={"from": current.status, "to": status},
        )
    reason_text = reason.strip()
    if status == RequestStatus.DECLINED:
        reason_text = _text(reason, field="reason", limit=MAX_TEXT, ja="対応困難の理由")
    now = timezone.now()
    update = RequestUpdate.objects.create(
        request=current, author=poster.user, status=status, created_at=now, reason=reason_text,
        answer=_text(answer, field="answer", limit=MAX_TEXT, ja="回答"),
    )  # fmt: skip
    current.status = status
    current.first_answered_at = current.first_answered_at or now
    current.closed_at = now if status in FINAL_STATUSES else None
    current.save(update_fields=["status", "first_answered_at", "closed_at"])
    if (idea_status := IDEA_STATUS.get(RequestStatus(status))) is not None:
        Idea.objects.filter(pk=current.idea_id).update(status=idea_status)
    with translation.override("ja"):
        label = str(RequestStatus(status).label)
    idea = current.idea
    notify(
        verb=NotificationVerb.ANSWERED, about=(FollowKind.IDEA, idea.pk), title=idea.title,
        detail=f"【{label}】{update.answer[:100]}", followers_of=idea_followers(idea), actor=poster.user,
    )  # fmt: skip
    audit_record(
        tag=CocreationEvent.REQUEST_ANSWERED, actor=actor, subject=f"request:{current.pk}",
        data={"status": status, "update": update.pk},
    )  # fmt: skip
    request.refresh_from_db()
    return update
