"""Printed cards for residents without smartphones: issued at the town's counter, paid with the PIN typed at the
shop's terminal, up to a daily limit.

The card's QR holds only its random ID; the PIN is kept as a salted slow hash. Every wrong PIN is counted in its
own committed transaction (the refusal does not roll the count back), and the fifth locks the card until the
counter unlocks it. Tries per card are also throttled across all shops, to slow guessing.

The daily limit is checked just before the payment is posted. Posting owns its (durable) transaction, so the check
and the post are not one transaction: two payments with the same card at the same instant at two shops could pass
the check together. A printed card is one physical object at one terminal, which makes that practically moot.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F, Sum

from hiroba.assist.models import Delegation, Scope
from hiroba.assist.services.proxies import delegation_check
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import AppError, Conflict, Invalid, NotFound, PermissionDenied
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.identity.services.throttle import Limit, throttle_hit
from hiroba.ledger.models import JournalState, Posting
from hiroba.wallet.formats.card import card_pdf
from hiroba.wallet.models import USABLE_CARD, CardStatus, PrintedCard
from hiroba.wallet.services import accounts, payments
from hiroba.wallet.services.money import amount_check

TOKYO = ZoneInfo("Asia/Tokyo")
MAX_PIN_FAILURES = 5
CARD_TRIES = Limit("card_pay", 20, timedelta(minutes=10))  # per card, across every shop
DEFAULT_DAILY_LIMIT = 5_000
MAX_DAILY_LIMIT = payments.PAYMENT_LIMIT
PIN_LENGTH = 4
_ASCENDING = "01234567890123"
_DESCENDING = _ASCENDING[::-1]


# ---------------------------------------------------------------- rules


def pin_check(pin: str) -> str:
    """Four ASCII digits, and not one a thief tries first: one digit four times, a run up or down (1234, 9876,
    7890), or a pair twice (1212)."""
    if len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):
        raise Invalid("wallet.card_pin_format", ja="暗証番号は数字4桁です。", en="The PIN must be 4 digits.")
    if len(set(pin)) == 1 or pin in _ASCENDING or pin in _DESCENDING or pin[:2] == pin[2:]:
        raise Invalid(
            "wallet.card_pin_weak",
            ja="推測されやすい暗証番号は使えません。",
            en="This PIN is too easy to guess. Choose another.",
        )
    return pin


def _limit_check(daily_limit: int) -> int:
    if isinstance(daily_limit, bool) or not isinstance(daily_limit, int) or not 0 < daily_limit <= MAX_DAILY_LIMIT:
        raise Invalid(
            "wallet.card_limit",
            ja=f"1日の上限は1円から{MAX_DAILY_LIMIT:,}円までです。",
            en=f"The daily limit must be between ¥1 and ¥{MAX_DAILY_LIMIT:,}.",
        )
    return daily_limit


def _holder(resident: Resident) -> str:
    person = resident.person
    return person.user.full_name if person is not None else ""


def _card_get(card_id: str, *, lock: bool = False) -> PrintedCard:
    rows = PrintedCard.objects.select_related("resident__municipality__currency_area")
    if lock:
        rows = rows.select_for_update(of=("self",))
    card = rows.filter(pk=card_id.strip()).first()
    if card is None:
        raise NotFound("wallet.card_unknown", ja="このカードは見つかりません。", en="Unknown card.")
    return card


def _refuse_unusable(card: PrintedCard) -> None:
    if card.status == CardStatus.LOCKED:
        raise Conflict(
            "wallet.card_locked",
            ja="暗証番号の誤りが続いたため、このカードはロックされています。役場の窓口でロックを解除してください。",
            en="This card is locked after repeated wrong PINs. The town's counter can unlock it.",
        )
    if card.status == CardStatus.SUSPENDED:
        raise Conflict(
            "wallet.card_suspended",
            ja="このカードは窓口で一時停止されています。役場の窓口にお問い合わせください。",
            en="This card is suspended. Please ask at the town's counter.",
        )
    if card.status != CardStatus.ACTIVE:
        raise Conflict(
            "wallet.card_inactive",
            ja="このカードは使えません（紛失届または再発行済み）。",
            en="This card cannot be used (reported lost or replaced).",
            detail={"status": card.status},
        )


# ---------------------------------------------------------------- the counter


@transaction.atomic(durable=True)
def card_issue(
    *, resident: Resident, pin: str, daily_limit: int, actor: Actor, delegation: Delegation | None = None
) -> tuple[PrintedCard, bytes]:
    """A new card for the resident, with the PIN its holder chose; the holder's earlier usable card is replaced.
    With `delegation`, the card is the proxy's: it draws on the resident's wallet while the delegation allows it
    (checked by the caller when issuing, and at every payment). Returns the card and its printable PDF."""
    pin_check(pin)
    _limit_check(daily_limit)
    resident = Resident.objects.select_related("municipality__currency_area", "person__user").get(pk=resident.pk)
    if resident.status != ResidentStatus.ACTIVE:
        raise Conflict("wallet.resident_inactive", ja="この利用者は支払いできません。", en="This resident cannot pay.")
    area = accounts.area_of(resident.municipality)
    earlier = list(
        PrintedCard.objects.select_for_update()
        .filter(resident=resident, delegation=delegation, status__in=USABLE_CARD)
        .values_list("pk", flat=True)
    )
    PrintedCard.objects.filter(pk__in=earlier).update(status=CardStatus.REPLACED)
    card = PrintedCard.objects.create(
        resident=resident,
        pin_hash=make_password(pin),
        daily_limit=daily_limit,
        issued_by=actor.user,
        delegation=delegation,
    )
    PrintedCard.objects.filter(pk__in=earlier).update(replaced_by=card)
    audit_record(
        tag="wallet:card:issued",
        actor=actor,
        subject=f"card:{card.pk}",
        data={
            "resident": resident.pairwise_id,
            "daily_limit": daily_limit,
            "replaces": earlier,
            **({"delegation": delegation.pk} if delegation else {}),
        },
        municipality=resident.municipality_id,
    )
    holder = _holder(resident)
    if delegation is not None:
        holder = f"{delegation.proxy.full_name}（{holder} 様の代理人）"
    pdf = card_pdf(
        card_id=card.pk,
        holder=holder,
        coin_name=area.currency_name,
        town=resident.municipality.name,
        daily_limit=daily_limit,
    )
    return card, pdf


@transaction.atomic(durable=True)
def card_report_lost(*, card_id: str, actor: Actor) -> PrintedCard:
    """The resident reports the card lost: it pays no more, for good (the counter issues a new one)."""
    card = _card_get(card_id, lock=True)
    if card.status == CardStatus.LOST:
        return card
    if card.status == CardStatus.REPLACED:
        raise Conflict(
            "wallet.card_inactive", ja="このカードは再発行済みです。", en="This card has been replaced already."
        )
    card.status = CardStatus.LOST
    card.save(update_fields=["status"])
    audit_record(
        tag="wallet:card:lost",
        actor=actor,
        subject=f"card:{card.pk}",
        data={"resident": card.resident.pairwise_id},
        municipality=card.resident.municipality_id,
    )
    return card


@transaction.atomic(durable=True)
def card_suspend(*, card_id: str, suspended: bool, actor: Actor) -> PrintedCard:
    """The counter stops a card for a while (the resident is unsure where it is, a dispute) or lets it pay again.
    A locked card is unlocked, a lost or replaced one never comes back."""
    card = _card_get(card_id, lock=True)
    wanted, allowed = (
        (CardStatus.SUSPENDED, {CardStatus.ACTIVE, CardStatus.LOCKED})
        if suspended
        else (CardStatus.ACTIVE, {CardStatus.SUSPENDED})
    )
    if card.status == wanted:
        return card
    if card.status not in allowed:
        _refuse_unusable(card)
    was = card.status
    card.status = wanted
    card.save(update_fields=["status"])
    audit_record(
        tag="wallet:card:suspended" if suspended else "wallet:card:resumed",
        actor=actor,
        subject=f"card:{card.pk}",
        data={"resident": card.resident.pairwise_id, "was": was},
        municipality=card.resident.municipality_id,
    )
    return card


@transaction.atomic(durable=True)
def card_unlock(*, card_id: str, actor: Actor) -> PrintedCard:
    """The counter, with the resident present, unlocks a card locked by wrong PINs and clears the count."""
    card = _card_get(card_id, lock=True)
    if card.status not in (CardStatus.ACTIVE, CardStatus.LOCKED):
        _refuse_unusable(card)
    was = card.status
    card.status, card.failed_attempts = CardStatus.ACTIVE, 0
    card.save(update_fields=["status", "failed_attempts"])
    audit_record(
        tag="wallet:card:unlocked",
        actor=actor,
        subject=f"card:{card.pk}",
        data={"resident": card.resident.pairwise_id, "was": was},
        municipality=card.resident.municipality_id,
    )
    return card


# ---------------------------------------------------------------- the shop


def _pin_failed(card: PrintedCard, *, where: str, actor: Actor) -> None:
    """Count a wrong PIN in its own committed transaction, lock at the fifth, then refuse."""
    with transaction.atomic():
        PrintedCard.objects.filter(pk=card.pk, status=CardStatus.ACTIVE).update(
            failed_attempts=F("failed_attempts") + 1
        )
        failures = PrintedCard.objects.select_for_update().values_list("failed_attempts", flat=True).get(pk=card.pk)
        locked = failures >= MAX_PIN_FAILURES
        if locked:
            PrintedCard.objects.filter(pk=card.pk).update(status=CardStatus.LOCKED)
        audit_record(
            tag="wallet:card:pin_failed",
            actor=actor,
            subject=f"card:{card.pk}",
            data={"where": where, "failures": failures, "locked": locked},
            municipality=card.resident.municipality_id,
        )
    if locked:
        card.status = CardStatus.LOCKED
        _refuse_unusable(card)
    raise Invalid(
        "wallet.card_pin",
        ja="暗証番号が違います。",
        en="Wrong PIN.",
        detail={"attempts_left": MAX_PIN_FAILURES - failures},
    )


def card_pin_verified(*, card_id: str, pin: str, where: str, actor: Actor) -> PrintedCard:
    """The holder typed the card's PIN at `where` (a shop's terminal, the town office's kiosk, the phone line):
    tries are throttled per card, a wrong PIN is counted and the fifth locks the card. Returns the usable card."""
    card = _card_get(card_id)
    throttle_hit(CARD_TRIES, key=card.pk)
    try:
        _refuse_unusable(card)
    except AppError as refusal:  # a lost or stopped card presented somewhere is worth a record
        with transaction.atomic():
            audit_record(
                tag="wallet:card:refused",
                actor=actor,
                subject=f"card:{card.pk}",
                data={"where": where, "code": refusal.code},
                municipality=card.resident.municipality_id,
            )
        raise
    if not check_password(pin, card.pin_hash):
        _pin_failed(card, where=where, actor=actor)
    if card.failed_attempts:
        PrintedCard.objects.filter(pk=card.pk, status=CardStatus.ACTIVE).update(failed_attempts=0)
    return card


def card_spent_today(*, card: PrintedCard, on: date, exclude_key: str = "") -> int:
    """What the card paid on `on` (Asia/Tokyo), less what shops refunded of those payments."""
    start = datetime.combine(on, time.min, TOKYO)
    end = start + timedelta(days=1)
    paid = (
        Posting.objects.filter(
            journal__kind="payment",
            journal__state=JournalState.POSTED,
            journal__memo__card=card.pk,
            journal__created_at__gte=start,
            journal__created_at__lt=end,
        )
        .exclude(journal__key=exclude_key)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    refunded = (
        Posting.objects.filter(
            journal__kind="refund",
            journal__state=JournalState.POSTED,
            journal__reverses__memo__card=card.pk,
            journal__reverses__created_at__gte=start,
            journal__reverses__created_at__lt=end,
        )
        .exclude(journal__reverses__key=exclude_key)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return max(0, int(paid) - int(refunded))


def card_pay(
    *, merchant_id: str, card_id: str, pin: str, amount: int, key: str, on: date, actor: Actor
) -> payments.Payment:
    """The shop's terminal read the card and the resident typed the PIN. `key` makes it idempotent."""
    merchant = payments.merchant_accepting(merchant_id)
    card = card_pin_verified(card_id=card_id, pin=pin, where=f"merchant:{merchant.pk}", actor=actor)
    if card.delegation_id is not None:
        try:
            delegation_check(delegation_id=card.delegation_id, scope=Scope.PAY_CARD, on=on, actor=actor)
        except PermissionDenied as refusal:  # at the shop, it is the card that cannot pay, not the shop
            raise Conflict(refusal.code, ja=refusal.message_ja, en=refusal.message_en, detail=refusal.detail) from None
    journal_key = f"card:{key}"
    left = card.daily_limit - card_spent_today(card=card, on=on, exclude_key=journal_key)
    if amount_check(amount, limit=payments.PAYMENT_LIMIT) > left:
        raise Conflict(
            "wallet.card_daily_limit",
            ja=f"このカードの1日の上限を超えます。本日あと{max(left, 0):,}円まで使えます。",
            en=f"This is over the card's daily limit. ¥{max(left, 0):,} is left today.",
            detail={"left_today": max(left, 0), "daily_limit": card.daily_limit},
        )
    return payments.payment_post(
        resident=card.resident,
        merchant=merchant,
        amount=amount,
        key=journal_key,
        on=on,
        channel="card",
        actor=actor,
        extra={"card": card.pk, **({"delegation": card.delegation_id} if card.delegation_id else {})},
    )
