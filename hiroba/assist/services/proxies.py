"""Proxies (代理人) and the support-measure flag (支援措置).

A resident offers a delegation (scopes and an end date) and hands the one-time code to the proxy, who accepts it
after signing in with their own card; counter staff may offer one for a resident on documentary evidence. The
resident alone revokes, at any time; the proxy may step down. A proxy never votes: there is no such scope.

While a support measure is set, nobody new becomes the resident's proxy and every live delegation is suspended
pending review; a new certificate (a renewed or reissued card) also suspends delegations for review, so that a
delegation never silently outlives a change of card.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from hiroba.assist import selectors
from hiroba.assist.events import AssistEvent
from hiroba.assist.models import (
    Basis,
    Delegation,
    DelegationStatus,
    ProxyInvitation,
    Scope,
    SupportMeasure,
)
from hiroba.core.audit import Actor, audit_record, refusals_recorded
from hiroba.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from hiroba.health import services as health
from hiroba.health.services import ImportSummary
from hiroba.identity.models import Person, Resident, ResidentStatus, User

if TYPE_CHECKING:
    from hiroba.ledger.models import Journal
    from hiroba.wallet.models import PrintedCard

OFFER_HOURS = 48
MAX_TERM_DAYS = 3 * 366  # three years, then the resident renews it
CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B)
CODE_LENGTH = 10
REVIEW_REASONS = frozenset({"support_measure", "credential_changed"})


def _code_hash(code: str) -> str:
    normal = "".join(code.upper().split()).replace("-", "")
    return hashlib.sha256(f"hiroba-proxy-invitation:{normal}".encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def scopes_check(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    if not chosen:
        raise Invalid(
            "assist.scopes_required", ja="任せる内容を1つ以上選んでください。", en="Choose what the proxy may do."
        )
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown:
        raise Invalid(
            "assist.scope_unknown",
            ja="任せられない内容が含まれています。",
            en="Some of these cannot be delegated.",
            detail={"unknown": unknown},
        )
    return chosen


def _term_check(ends_on: date, today: date) -> date:
    if ends_on < today or ends_on > today + timedelta(days=MAX_TERM_DAYS):
        raise Invalid(
            "assist.term",
            ja="終了日は今日から3年以内の日付にしてください。",
            en="The end date must be between today and three years from now.",
        )
    return ends_on


def _flag_refusal() -> PermissionDenied:
    return PermissionDenied(
        "assist.support_measure",
        ja="この方については、代理人を登録できません。窓口の担当者にご相談ください。",
        en="A proxy cannot be registered for this resident. Please speak to the counter's supervisor.",
    )


def resident_subject(resident: Resident) -> str:
    return f"resident:{resident.pairwise_id}"


def _refusals(*, resident: Resident, actor: Actor) -> AbstractContextManager[None]:
    """A proxy act refused for this resident is recorded (with its reason code) in the resident's town."""
    return refusals_recorded(
        tag=AssistEvent.PROXY_REFUSED,
        actor=actor,
        subject=resident_subject(resident),
        municipality=resident.municipality_id,
    )


def proxy_offer(
    *, resident: Resident, scopes: Iterable[str], ends_on: date, actor: Actor, evidence: str = ""
) -> tuple[ProxyInvitation, str]:
    """Offer a delegation; returns the invitation and the code for the proxy (shown once, stored as a hash).
    From the counter (`actor.channel` counter) documentary evidence is required."""
    with _refusals(resident=resident, actor=actor):
        return _offer(resident=resident, scopes=scopes, ends_on=ends_on, actor=actor, evidence=evidence.strip())


@transaction.atomic(durable=True)
def _offer(
    *, resident: Resident, scopes: Iterable[str], ends_on: date, actor: Actor, evidence: str
) -> tuple[ProxyInvitation, str]:
    chosen = scopes_check(scopes)
    now = timezone.now()
    _term_check(ends_on, timezone.localdate())
    basis = Basis.COUNTER if actor.acting_for or actor.user != _user_of(resident) else Basis.RESIDENT
    if basis == Basis.COUNTER and not evidence:
        raise Invalid(
            "assist.evidence_required",
            ja="窓口で登録するときは、確認した書類（委任状など）を記録してください。",
            en="At the counter, record the document you checked (a letter of attorney, say).",
        )
    Resident.objects.select_for_update().get(pk=resident.pk)  # the flag and the offer cannot cross
    if selectors.support_measure_active(resident):
        raise _flag_refusal()
    code = _new_code()
    invitation = ProxyInvitation.objects.create(
        resident=resident,
        scopes=chosen,
        ends_on=ends_on,
        basis=basis,
        evidence=evidence,
        code_hash=_code_hash(code),
        created_at=now,
        created_by=actor.user,
        expires_at=now + timedelta(hours=OFFER_HOURS),
    )
    audit_record(
        tag=AssistEvent.PROXY_OFFERED,
        actor=actor,
        subject=resident_subject(resident),
        data={"scopes": chosen, "ends_on": ends_on.isoformat(), "basis": basis},
        municipality=resident.municipality_id,
    )
    return invitation, code


def _user_of(resident: Resident) -> User | None:
    return resident.person.user if resident.person is not None else None


def proxy_accept(*, code: str, proxy: User, actor: Actor) -> Delegation:
    """The proxy, signed in with their own card, accepts the offer the code stands for."""
    invitation = ProxyInvitation.objects.select_related("resident").filter(code_hash=_code_hash(code)).first()
    if invitation is None:
        with transaction.atomic():
            audit_record(
                tag=AssistEvent.PROXY_REFUSED, actor=actor, subject="invitation", data={"code": "assist.code_unknown"}
            )
        raise NotFound(
            "assist.code_unknown", ja="このコードは見つかりません。", en="This code is not known. Check it and retry."
        )
    resident = invitation.resident
    with _refusals(resident=resident, actor=actor):
        return _accept(invitation_id=invitation.pk, proxy=proxy, actor=actor)


@transaction.atomic(durable=True)
def _accept(*, invitation_id: int, proxy: User, actor: Actor) -> Delegation:
    invitation = (
        ProxyInvitation.objects.select_for_update(of=("self",)).select_related("resident__person").get(pk=invitation_id)
    )
    resident = Resident.objects.select_for_update().get(pk=invitation.resident_id)
    now = timezone.now()
    if invitation.delegation_id is not None or invitation.expires_at <= now:
        raise Conflict(
            "assist.code_used",
            ja="このコードは使用済みか、期限切れです。もう一度発行してもらってください。",
            en="This code was used already or has expired. Ask for a new one.",
        )
    if resident.status != ResidentStatus.ACTIVE:
        raise Conflict("assist.resident_inactive", ja="この方の登録は終了しています。", en="This resident has left.")
    if invitation.resident.person is not None and invitation.resident.person.user_id == proxy.pk:
        raise Invalid("assist.self_proxy", ja="自分自身を代理人にはできません。", en="You cannot be your own proxy.")
    if not Person.objects.filter(user=proxy).exists():
        raise PermissionDenied(
            "assist.proxy_not_signed_in",
            ja="代理人になるには、ご自身のマイナンバーカードでサインインしてください。",
            en="To become a proxy, sign in with your own My Number Card.",
        )
    if selectors.support_measure_active(resident):
        raise _flag_refusal()
    try:
        with transaction.atomic():
            delegation = Delegation.objects.create(
                resident=resident,
                proxy=proxy,
                scopes=invitation.scopes,
                starts_on=timezone.localdate(),
                ends_on=invitation.ends_on,
                basis=invitation.basis,
                evidence=invitation.evidence,
                created_at=now,
                created_by=invitation.created_by,
                changed_at=now,
            )
    except IntegrityError:
        raise Conflict(
            "assist.proxy_exists",
            ja="すでにこの方の代理人です。先に今の登録を取り消してもらってください。",
            en="You are this resident's proxy already. The current delegation must be revoked first.",
        ) from None
    invitation.delegation = delegation
    invitation.save(update_fields=["delegation"])
    audit_record(
        tag=AssistEvent.PROXY_REGISTERED,
        actor=actor,
        subject=resident_subject(resident),
        data={"delegation": delegation.pk, "scopes": delegation.scopes, "ends_on": delegation.ends_on.isoformat()},
        municipality=resident.municipality_id,
    )
    return delegation


@transaction.atomic(durable=True)
def proxy_revoke(*, delegation_id: str, by: User, actor: Actor) -> Delegation:
    """The resident revokes (or the proxy steps down), with immediate effect; a proxy's printed card stops paying."""
    delegation = (
        Delegation.objects.select_for_update(of=("self",))
        .select_related("resident__person")
        .filter(pk=delegation_id)
        .first()
    )
    if delegation is None or by.pk not in (delegation.proxy_id, _user_id(delegation.resident)):
        raise NotFound("assist.delegation_unknown", ja="この代理の登録は見つかりません。", en="No such delegation.")
    if delegation.status == DelegationStatus.REVOKED:
        return delegation
    _status(delegation, DelegationStatus.REVOKED, "by_proxy" if by.pk == delegation.proxy_id else "by_resident")
    audit_record(
        tag=AssistEvent.PROXY_REVOKED,
        actor=actor,
        subject=resident_subject(delegation.resident),
        data={"delegation": delegation.pk, "by": delegation.status_reason},
        municipality=delegation.resident.municipality_id,
    )
    return delegation


def _user_id(resident: Resident) -> int | None:
    return resident.person.user_id if resident.person is not None else None


def _status(delegation: Delegation, status: DelegationStatus, reason: str) -> None:
    delegation.status, delegation.status_reason, delegation.changed_at = status, reason, timezone.now()
    delegation.save(update_fields=["status", "status_reason", "changed_at"])


def _suspend_live(resident_ids: Iterable[int], *, reason: str, actor: Actor) -> int:
    live = list(
        Delegation.objects.select_for_update()
        .select_related("resident")
        .filter(resident_id__in=list(resident_ids), status=DelegationStatus.ACTIVE)
    )
    for delegation in live:
        _status(delegation, DelegationStatus.SUSPENDED, reason)
        audit_record(
            tag=AssistEvent.PROXY_SUSPENDED,
            actor=actor,
            subject=resident_subject(delegation.resident),
            data={"delegation": delegation.pk, "reason": reason},
            municipality=delegation.resident.municipality_id,
        )
    return len(live)


def proxy_review(*, delegation_id: str, reinstate: bool, by: User, actor: Actor, staff: bool) -> Delegation:
    """Decide on a suspended delegation: the resident (or the town's counter staff, `staff`) reinstates or revokes
    it. Reinstating is refused while a support measure is set."""
    delegation = Delegation.objects.select_related("resident__person").filter(pk=delegation_id).first()
    if delegation is None or not (staff or by.pk == _user_id(delegation.resident)):
        raise NotFound("assist.delegation_unknown", ja="この代理の登録は見つかりません。", en="No such delegation.")
    resident = delegation.resident
    with _refusals(resident=resident, actor=actor):
        return _review(delegation_id=delegation.pk, reinstate=reinstate, actor=actor)


@transaction.atomic(durable=True)
def _review(*, delegation_id: str, reinstate: bool, actor: Actor) -> Delegation:
    delegation = Delegation.objects.select_for_update().select_related("resident").get(pk=delegation_id)
    if delegation.status != DelegationStatus.SUSPENDED:
        raise Conflict(
            "assist.not_suspended",
            ja="この代理の登録は確認待ちではありません。",
            en="This delegation is not awaiting review.",
        )
    if reinstate and selectors.support_measure_active(delegation.resident):
        raise _flag_refusal()
    _status(delegation, DelegationStatus.ACTIVE if reinstate else DelegationStatus.REVOKED, "reviewed")
    audit_record(
        tag=AssistEvent.PROXY_REVIEWED,
        actor=actor,
        subject=resident_subject(delegation.resident),
        data={"delegation": delegation.pk, "decision": "reinstated" if reinstate else "revoked"},
        municipality=delegation.resident.municipality_id,
    )
    return delegation


@transaction.atomic(durable=True)
def support_measure_set(*, resident: Resident, actor: Actor) -> SupportMeasure:
    """Flag the resident (支援措置): live delegations are suspended for review and outreach lists skip them."""
    Resident.objects.select_for_update().get(pk=resident.pk)
    current = SupportMeasure.objects.filter(resident=resident, lifted_at__isnull=True).first()
    if current is not None:
        return current
    measure = SupportMeasure.objects.create(resident=resident, set_at=timezone.now(), set_by=actor.user)
    suspended = _suspend_live([resident.pk], reason="support_measure", actor=actor)
    audit_record(
        tag=AssistEvent.SUPPORT_MEASURE_SET,
        actor=actor,
        subject=resident_subject(resident),
        data={"suspended": suspended},
        municipality=resident.municipality_id,
    )
    return measure


@transaction.atomic(durable=True)
def support_measure_lift(*, resident: Resident, actor: Actor) -> bool:
    """Lift the flag. Suspended delegations stay suspended until someone reviews them."""
    lifted = SupportMeasure.objects.filter(resident=resident, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by=actor.user
    )
    if lifted:
        audit_record(
            tag=AssistEvent.SUPPORT_MEASURE_LIFTED,
            actor=actor,
            subject=resident_subject(resident),
            data={},
            municipality=resident.municipality_id,
        )
    return bool(lifted)


def delegations_review_on_new_credential(sender: object, *, person: Person, actor: Actor, **kwargs: object) -> None:
    """Receiver of identity's `credential_changed`: a new card means every delegation of the person is reviewed."""
    _suspend_live(person.residencies.values_list("pk", flat=True), reason="credential_changed", actor=actor)


def delegation_check(
    *, delegation_id: str, scope: Scope | None, on: date, actor: Actor, proxy: User | None = None
) -> Delegation:
    """The delegation allows `scope` (any, if None) on `on`, and belongs to `proxy` when given; otherwise a refusal,
    recorded."""
    delegation = Delegation.objects.select_related("resident__municipality").filter(pk=delegation_id).first()
    if delegation is None or (proxy is not None and delegation.proxy_id != proxy.pk):
        raise NotFound("assist.delegation_unknown", ja="この代理の登録は見つかりません。", en="No such delegation.")
    resident = delegation.resident
    with _refusals(resident=resident, actor=actor):
        selectors.delegation_allows(delegation, scope, on)
    return delegation


def proxy_card_issue(
    *, delegation_id: str, proxy: User, pin: str, daily_limit: int, on: date, actor: Actor
) -> tuple[PrintedCard, bytes]:
    """The proxy prints their own card on the resident's wallet (scope pay_card), with a PIN they choose."""
    from hiroba.wallet.services import cards  # wallet checks delegations at payment: imported here, not at the top

    delegation = delegation_check(delegation_id=delegation_id, scope=Scope.PAY_CARD, on=on, actor=actor, proxy=proxy)
    return cards.card_issue(
        resident=delegation.resident, pin=pin, daily_limit=daily_limit, actor=actor, delegation=delegation
    )


def proxy_convert(*, delegation_id: str, proxy: User, points: int, key: str, on: date, actor: Actor) -> Journal:
    """The proxy converts the resident's points (scope convert), funded as if the resident did it."""
    from hiroba.wallet.services import money

    delegation = delegation_check(delegation_id=delegation_id, scope=Scope.CONVERT, on=on, actor=actor, proxy=proxy)
    return money.points_convert(resident=delegation.resident, points=points, key=key, on=on, actor=actor)


def proxy_paper_steps(
    *, delegation_id: str, proxy: User, entries: list[tuple[date, int]], on: date, actor: Actor
) -> ImportSummary:
    """The proxy types in the resident's paper pedometer log (scope paper_steps); it is kept as entered by a proxy."""
    delegation = delegation_check(delegation_id=delegation_id, scope=Scope.PAPER_STEPS, on=on, actor=actor, proxy=proxy)
    return health.paper_steps_enter(resident=delegation.resident, entries=entries, actor=actor, by_proxy=True)
