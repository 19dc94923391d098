"""Counter-assisted sessions (窓口支援): the resident signs in with their own card and PIN at the staff terminal
(the clerk never learns the PIN), agrees to the clerk operating for them, and the clerk then acts for the resident
until the session ends or times out. Every act carries the clerk as actor, the resident as acting-for and the
channel `counter`; the session keeps a list of the acts for the take-home receipt.

A session gives the clerk the resident's balances and the counter's forms, never health details and never a vote.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hiroba.assist.events import AssistEvent
from hiroba.assist.models import AssistAct, AssistSession, SessionState
from hiroba.core.audit import Actor, audit_record, refusals_recorded
from hiroba.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from hiroba.core.models import Channel
from hiroba.identity.models import Resident, User
from hiroba.tenancy.models import Municipality

CONSENT_VERSION = "2026-11"
MAX_REASON = 200


def session_minutes() -> int:
    return int(settings.ASSIST_SESSION_MINUTES)


def consent_digest(text: str) -> str:
    return hashlib.sha256(f"{CONSENT_VERSION}\n{text}".encode()).hexdigest()


def counter_actor(session: AssistSession) -> Actor:
    """Who acts in the session: the clerk, for the resident, at the counter."""
    staff = session.staff
    return Actor(
        user=staff,
        channel=Channel.COUNTER,
        ref=f"user:{staff.public_id}",
        acting_for=f"resident:{session.resident.pairwise_id}",
    )


def session_start(
    *,
    municipality: Municipality,
    staff: User,
    resident: Resident | None,
    reason: str,
    consented: bool,
    consent_text: str,
    actor: Actor,
) -> AssistSession:
    """Open a session for the resident who has just signed in with their card at this terminal."""
    subject = f"resident:{resident.pairwise_id}" if resident else "resident"
    with refusals_recorded(
        tag=AssistEvent.SESSION_REFUSED, actor=actor, subject=subject, municipality=municipality.lg_code
    ):
        return _start(
            municipality=municipality,
            staff=staff,
            resident=resident,
            reason=" ".join(reason.split()),
            consented=consented,
            consent_text=consent_text,
            actor=actor,
        )


@transaction.atomic(durable=True)
def _start(
    *,
    municipality: Municipality,
    staff: User,
    resident: Resident | None,
    reason: str,
    consented: bool,
    consent_text: str,
    actor: Actor,
) -> AssistSession:
    if resident is None:
        raise NotFound(
            "assist.card_not_enrolled",
            ja="このカードはまだ登録されていません。先に住民の方ご自身で登録してください。",
            en="This card is not enrolled yet. The resident enrolls first.",
        )
    if resident.municipality_id != municipality.lg_code:
        raise PermissionDenied(
            "assist.other_town",
            ja="この方は別の自治体の住民です。お住まいの自治体の窓口でお手伝いします。",
            en="This resident lives in another municipality; their own town's counter helps them.",
        )
    if not reason or len(reason) > MAX_REASON:
        raise Invalid(
            "assist.reason_required",
            ja="代理で操作する理由を200文字以内で入力してください。",
            en="Enter why you are operating for the resident (up to 200 characters).",
        )
    if not consented:
        raise Invalid(
            "assist.consent_required",
            ja="職員が代理で操作することへの、ご本人の同意が必要です。",
            en="The resident's consent to the clerk operating for them is required.",
        )
    now = timezone.now()
    session = AssistSession.objects.create(
        municipality=municipality,
        staff=staff,
        resident=resident,
        reason=reason,
        consent_text_digest=consent_digest(consent_text),
        started_at=now,
        expires_at=now + timedelta(minutes=session_minutes()),
    )
    audit_record(
        tag=AssistEvent.SESSION_STARTED,
        actor=counter_actor(session),
        subject=f"assist_session:{session.pk}",
        data={"reason": reason, "consent_version": CONSENT_VERSION, "minutes": session_minutes()},
        municipality=municipality.lg_code,
    )
    return session


def session_usable(*, session_id: str, staff: User, actor: Actor) -> AssistSession:
    """The clerk's own open session; acting past its end is refused and recorded."""
    session = (
        AssistSession.objects.select_related("resident__person__user", "resident__municipality__currency_area", "staff")
        .filter(pk=session_id, staff=staff)
        .first()
    )
    if session is None:
        raise NotFound("assist.session_unknown", ja="この窓口支援は見つかりません。", en="No such assisted session.")
    if session.state == SessionState.OPEN and session.expires_at > timezone.now():
        return session
    with refusals_recorded(
        tag=AssistEvent.SESSION_REFUSED,
        actor=actor,
        subject=f"assist_session:{session.pk}",
        municipality=session.municipality_id,
    ):
        raise Conflict(
            "assist.session_over",
            ja="この窓口支援は終了しています。続けるには、もう一度カードで本人確認をしてください。",
            en="This assisted session has ended. To go on, the resident signs in with their card again.",
        )


@transaction.atomic(durable=True)
def session_act_record(*, session: AssistSession, kind: str, data: dict[str, Any]) -> AssistAct:
    """Note an act done in the session (after its own service committed it) for the receipt."""
    return AssistAct.objects.create(session=session, at=timezone.now(), kind=kind, data=data)


@transaction.atomic(durable=True)
def session_end(*, session: AssistSession, actor: Actor) -> AssistSession:
    ended = AssistSession.objects.filter(pk=session.pk, state=SessionState.OPEN).update(
        state=SessionState.ENDED, ended_at=timezone.now()
    )
    session.refresh_from_db()
    if ended:
        audit_record(
            tag=AssistEvent.SESSION_ENDED,
            actor=counter_actor(session),
            subject=f"assist_session:{session.pk}",
            data={"acts": session.acts.count()},
            municipality=session.municipality_id,
        )
    return session
