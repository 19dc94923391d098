"""Reads of the assist app. Staff see only their own town's rows; residents and proxies only their own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Max, QuerySet
from django.utils import timezone

from hiroba.assist.events import AssistEvent
from hiroba.assist.formats.receipt import Receipt
from hiroba.assist.models import (
    AssistSession,
    ContactPreference,
    Delegation,
    DelegationStatus,
    Outcome,
    OutreachContact,
    OutreachEnrollment,
    Scope,
    SessionState,
    SupportMeasure,
)
from hiroba.core.errors import Conflict, NotFound, PermissionDenied
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Resident, ResidentStatus, User
from hiroba.identity.selectors import last_sign_ins
from hiroba.tenancy.models import Municipality


def support_measure_active(resident: Resident) -> bool:
    return SupportMeasure.objects.filter(resident=resident, lifted_at__isnull=True).exists()


def delegation_allows(delegation: Delegation, scope: Scope | None, on: date) -> None:
    """Refuses (without recording) unless the delegation is active, in its term and grants `scope` (any, if None)."""
    if delegation.status == DelegationStatus.REVOKED:
        raise PermissionDenied(
            "assist.delegation_revoked",
            ja="この代理の登録は取り消されています。",
            en="This delegation has been revoked.",
        )
    if delegation.status == DelegationStatus.SUSPENDED:
        raise Conflict(
            "assist.delegation_suspended",
            ja="この代理の登録は確認のため一時停止しています。ご本人か窓口で確認してください。",
            en="This delegation is suspended pending review by the resident or the counter.",
        )
    if on < delegation.starts_on:
        raise PermissionDenied(
            "assist.delegation_not_started",
            ja=f"代理の期間は{delegation.starts_on:%Y年%m月%d日}からです。",
            en=f"The delegation starts on {delegation.starts_on:%Y-%m-%d}.",
        )
    if on > delegation.ends_on:
        raise PermissionDenied(
            "assist.delegation_ended",
            ja=f"代理の期間（{delegation.ends_on:%Y年%m月%d日}まで）が終わっています。",
            en=f"The delegation ended on {delegation.ends_on:%Y-%m-%d}.",
        )
    if scope is not None and scope not in delegation.scopes:
        raise PermissionDenied(
            "assist.scope_missing",
            ja="この操作は任されていません。",
            en="This delegation does not cover that.",
            detail={"scope": str(scope)},
        )


def delegations_of_resident(resident: Resident) -> list[Delegation]:
    """The resident's own proxies, live first."""
    rows = Delegation.objects.filter(resident=resident).select_related("proxy").order_by("status", "-created_at")
    return list(rows)


def delegations_as_proxy(user: User) -> list[Delegation]:
    """Whom the signed-in person acts for (not revoked)."""
    rows = (
        Delegation.objects.filter(proxy=user)
        .exclude(status=DelegationStatus.REVOKED)
        .select_related("resident__person__user", "resident__municipality")
        .order_by("-created_at")
    )
    return list(rows)


# ---------------------------------------------------------------- counter sessions


ACT_SENTENCES = {
    "convert": "{points:,}ポイントを{coins:,}円分のコインに交換しました。",
    "paper_steps": "紙の歩数記録（{days}日分）を入力しました。",
    "card_issued": "支払いカード（番号 {card}、1日の上限 {daily_limit:,}円）を発行しました。",
    "card_suspended": "支払いカード（番号 {card}）を一時停止しました。",
    "card_resumed": "支払いカード（番号 {card}）の一時停止を解除しました。",
    "card_lost": "支払いカード（番号 {card}）の紛失を届け出ました。このカードはもう使えません。",
    "proxy_offered": "代理人を登録するためのコードを発行しました（{ends_on}まで）。",
    "outreach_joined": "見守り（お困りごとの確認のご連絡）に申し込みました。",
    "outreach_left": "見守りの申し込みを取りやめました。",
    "contact_changed": "町からのお知らせの受け取り方を変えました。",
}


def act_sentence(kind: str, data: dict[str, Any]) -> str:
    """What the receipt says about one act, in Japanese."""
    template = ACT_SENTENCES.get(kind)
    return template.format(**data) if template else kind


def session_receipt(session: AssistSession) -> Receipt:
    tokyo = timezone.get_current_timezone()
    person = session.resident.person
    ended = session.ended_at or timezone.now()
    return Receipt(
        town=session.municipality.name,
        resident=person.user.full_name if person else "",
        clerk=session.staff.full_name,
        started=session.started_at.astimezone(tokyo).strftime("%Y年%m月%d日 %H:%M"),
        ended=ended.astimezone(tokyo).strftime("%H:%M"),
        acts=[act_sentence(a.kind, a.data) for a in session.acts.all()],
        notes=[
            "職員は、あなたの暗証番号を知りません。暗証番号は誰にも教えないでください。",
            f"この控えの番号は {session.pk} です。お問い合わせのときにお伝えください。",
        ],
    )


def sessions_open(*, staff: User) -> list[AssistSession]:
    now = timezone.now()
    rows = AssistSession.objects.filter(staff=staff, state=SessionState.OPEN, expires_at__gt=now)
    return list(rows.select_related("resident__person__user").order_by("-started_at"))


# ---------------------------------------------------------------- outreach


@dataclass(frozen=True)
class CallRow:
    enrollment_id: int
    name: str
    phone: str
    last_seen: date | None
    idle_days: int | None
    last_outcome: str
    follow_up_on: date | None


def _flagged() -> QuerySet[SupportMeasure, Any]:
    return SupportMeasure.objects.filter(lifted_at__isnull=True).values("resident_id")


def outreach_enrollment(*, lg_code: str, enrollment_id: int) -> OutreachEnrollment:
    enrollment = (
        OutreachEnrollment.objects.select_related("resident")
        .filter(pk=enrollment_id, resident__municipality_id=lg_code, withdrawn_at__isnull=True)
        .exclude(resident_id__in=_flagged())
        .first()
    )
    if enrollment is None:
        raise NotFound(
            "assist.enrollment_unknown", ja="見守りの登録が見つかりません。", en="No such outreach enrollment."
        )
    return enrollment


def call_list(*, lg_code: str, idle_days: int, on: date) -> list[CallRow]:
    """Enrolled residents of the town with no sign-in or counter visit for `idle_days`, or a follow-up due; never
    anyone under a support measure. Follow-ups due come first, then the longest silent."""
    enrollments = list(
        OutreachEnrollment.objects.filter(
            resident__municipality_id=lg_code, resident__status=ResidentStatus.ACTIVE, withdrawn_at__isnull=True
        )
        .exclude(resident_id__in=_flagged())
        .select_related("resident__person__user", "resident__contact")
    )
    residents = [e.resident for e in enrollments]
    seen = last_sign_ins(residents=residents)
    visits = dict(
        AssistSession.objects.filter(resident__in=residents)
        .values("resident_id")
        .annotate(last=Max("started_at"))
        .values_list("resident_id", "last")
    )
    latest: dict[int, OutreachContact] = {}
    for logged in OutreachContact.objects.filter(enrollment__in=enrollments).order_by("at", "pk"):
        latest[logged.enrollment_id] = logged
    tokyo = timezone.get_current_timezone()
    rows = []
    for e in enrollments:
        moments = [t for t in (seen.get(e.resident_id), visits.get(e.resident_id)) if t is not None]
        last = max(moments).astimezone(tokyo).date() if moments else None
        idle = (on - last).days if last else None
        contact = latest.get(e.pk)
        due = contact is not None and contact.follow_up_on is not None and contact.follow_up_on <= on
        settled = contact is not None and contact.outcome == Outcome.RESOLVED and not due
        if not due and (settled or (idle is not None and idle < idle_days)):
            continue
        person = e.resident.person
        preference = getattr(e.resident, "contact", None)
        rows.append(
            CallRow(
                enrollment_id=e.pk,
                name=person.user.full_name if person else "",
                phone=preference.phone if preference else "",
                last_seen=last,
                idle_days=idle,
                last_outcome=contact.get_outcome_display() if contact else "",
                follow_up_on=contact.follow_up_on if contact else None,
            )
        )
    rows.sort(key=lambda r: (not (r.follow_up_on and r.follow_up_on <= on), -(r.idle_days or 10**6)))
    return rows


def outreach_contacts(*, lg_code: str, limit: int = 20) -> list[OutreachContact]:
    rows = OutreachContact.objects.filter(enrollment__resident__municipality_id=lg_code)
    return list(rows.select_related("enrollment__resident__person__user", "staff").order_by("-at")[:limit])


def outreach_joined(resident: Resident) -> bool:
    return OutreachEnrollment.objects.filter(resident=resident, withdrawn_at__isnull=True).exists()


# ---------------------------------------------------------------- the counter's review list


def delegations_to_review(*, lg_code: str) -> list[Delegation]:
    rows = Delegation.objects.filter(resident__municipality_id=lg_code, status=DelegationStatus.SUSPENDED)
    return list(rows.select_related("resident__person__user", "proxy").order_by("changed_at"))


def flagged_residents(*, lg_code: str) -> list[SupportMeasure]:
    rows = SupportMeasure.objects.filter(resident__municipality_id=lg_code, lifted_at__isnull=True)
    return list(rows.select_related("resident").order_by("-set_at"))


def session_of(*, staff: User, session_id: str, lg_code: str) -> AssistSession:
    """The clerk's own session in the town, open or ended (for its receipt)."""
    session = (
        AssistSession.objects.select_related("resident__person__user", "municipality", "staff")
        .filter(pk=session_id, staff=staff, municipality_id=lg_code)
        .first()
    )
    if session is None:
        raise NotFound("assist.session_unknown", ja="この窓口支援は見つかりません。", en="No such assisted session.")
    return session


# ---------------------------------------------------------------- channels


LETTERS_FOLDER = "assist/letters"
BATCH_NAME = re.compile(r"\Aexpiry-\d{8}-[0-9a-f]{12}\.pdf\Z")


def contact_preference_of(resident: Resident) -> ContactPreference | None:
    return ContactPreference.objects.filter(resident=resident).first()


@dataclass(frozen=True)
class LetterBatch:
    at: datetime
    name: str
    letters: int
    on: str
    within_days: int


def letter_batches(*, municipality: Municipality, limit: int = 20) -> list[LetterBatch]:
    """The town's printed batches, newest first, from the audit log."""
    rows = AuditRecord.objects.filter(chain_id=municipality.lg_code, tag=AssistEvent.LETTERS_PRINTED).order_by("-seq")
    return [
        LetterBatch(r.occurred_at, r.data["file"], r.data["letters"], r.data["on"], r.data["within_days"])
        for r in rows[:limit]
    ]


def letter_batch_pdf(*, municipality: Municipality, name: str) -> bytes:
    """A batch's PDF again; only a batch of this town is found."""
    recorded = (
        BATCH_NAME.match(name)
        and AuditRecord.objects.filter(
            chain_id=municipality.lg_code, tag=AssistEvent.LETTERS_PRINTED, data__file=name
        ).exists()
    )
    path = f"{LETTERS_FOLDER}/{municipality.lg_code}/{name}"
    if not recorded or not default_storage.exists(path):
        raise NotFound("assist.batch_unknown", ja="この印刷データは見つかりません。", en="No such batch of letters.")
    with default_storage.open(path, "rb") as stored:
        return bytes(stored.read())
