"""Paying at shops: a shop's static QR (the resident types the amount), a dynamic QR with the amount, or the
resident's short-lived code scanned by the shop; refunds back into the lots the payment used.

Every payment is a ledger journal whose key is the client's idempotency key: a replay returns the first result,
the same key with another body is refused. A dynamic request or a customer code is itself the key of the journal
that pays it, so it can be used once whatever the clients do.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.bulk import columns_of, instance_from, width_of
from hiroba.core.errors import AppError, Conflict, Invalid, NotFound
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.ledger.models import Journal, JournalState
from hiroba.ledger.services import Audit, Move, journal_post, refund_moves
from hiroba.tenancy.models import CurrencyArea, Municipality
from hiroba.wallet.formats import codes, jpqr
from hiroba.wallet.models import Merchant, MerchantStatus, PaymentRequest
from hiroba.wallet.services import accounts
from hiroba.wallet.services.money import amount_check, area_settings

PAYMENT_LIMIT = 100_000  # one payment at a shop: ¥100,000 at most
REQUEST_LIFETIME = timedelta(minutes=5)
CUSTOMER_CODE_LIFETIME = 120


def _code_key() -> bytes:
    return hashlib.sha256(f"hiroba.wallet.codes:{settings.SECRET_KEY}".encode()).digest()


def _merchant_get(merchant_id: str) -> Merchant | None:
    """The shop with its area and municipality. Plain SQL: every payment asks, and composing the ORM's query cost
    ten times running it (bench/api.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns_of(Merchant, 's')}, {columns_of(CurrencyArea, 'a')}, {columns_of(Municipality, 'm')} "  # noqa: S608
            "FROM wallet_merchant s JOIN tenancy_currencyarea a ON a.id = s.area_id "
            "JOIN tenancy_municipality m ON m.lg_code = s.municipality_id WHERE s.id = %s",
            [merchant_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    merchant_end = width_of(Merchant)
    area_end = merchant_end + width_of(CurrencyArea)
    merchant = instance_from(Merchant, row[:merchant_end])
    merchant.area = instance_from(CurrencyArea, row[merchant_end:area_end])
    merchant.municipality = instance_from(Municipality, row[area_end:])
    return merchant


def merchant_accepting(merchant_id: str) -> Merchant:
    merchant = _merchant_get(merchant_id)
    if merchant is None or merchant.status in (MerchantStatus.APPLIED, MerchantStatus.REJECTED):
        raise NotFound("wallet.merchant_unknown", ja="このお店は見つかりません。", en="Unknown shop.")
    if merchant.status == MerchantStatus.SUSPENDED:
        raise Conflict(
            "wallet.merchant_suspended",
            ja="このお店では現在お支払いできません。",
            en="This shop cannot accept payments at the moment.",
        )
    return merchant


def merchant_qr(merchant: Merchant, *, amount: int | None = None, reference: str | None = None) -> str:
    """The shop's QR payload (EMVCo merchant-presented, Hiroba template; JPQR layout when the shop has a code)."""
    parts = tuple(merchant.jpqr_store_code.split("-")) if merchant.jpqr_store_code else None
    return jpqr.encode(
        jpqr.MerchantQr(
            merchant_id=merchant.pk,
            area=merchant.area.slug,
            name=merchant.name_roman,
            city=merchant.municipality.name_en[:15],
            mcc=merchant.mcc,
            name_ja=merchant.name[:25],
            amount=amount,
            reference=reference,
            jpqr_store_code=parts if parts and len(parts) == 4 else None,  # noqa: PLR2004
        )
    )


@dataclass(frozen=True)
class Payment:
    journal: Journal
    merchant: Merchant
    amount: int


def payment_post(
    *,
    resident: Resident,
    merchant: Merchant,
    amount: int,
    key: str,
    on: date,
    channel: str,
    actor: Actor,
    extra: dict[str, object] | None = None,
    at: datetime | None = None,
) -> Payment:
    """Post one payment from the resident's wallet to the shop (every channel ends here: QR, code, printed card)."""
    if resident.status != ResidentStatus.ACTIVE:
        raise Conflict("wallet.resident_inactive", ja="この利用者は支払いできません。", en="This resident cannot pay.")
    if resident.municipality.currency_area_id != merchant.area_id:
        raise Conflict(
            "wallet.other_area",
            ja="このお店はあなたの地域通貨の加盟店ではありません。",
            en="This shop does not take your area's coin.",
        )
    amount = amount_check(amount, limit=PAYMENT_LIMIT)
    memo: dict[str, object] = {
        "merchant": merchant.pk,
        "resident": resident.pairwise_id,
        "channel": channel,
        **(extra or {}),
    }
    try:
        journal = journal_post(
            audit=Audit(
                tag="wallet:payment:made",
                actor=actor,
                subject=f"journal:{key}",
                data={"merchant": merchant.pk, "amount": amount, "channel": channel},
                municipality=resident.municipality_id,
            ),
            key=key,
            kind="payment",
            chain=merchant.area.slug,
            on=on,
            memo=memo,
            at=at,
            moves=[Move(*accounts.wallet_and_merchant(resident, merchant.pk, merchant.area), amount)],
        )
    except AppError as error:
        if error.code == "ledger.insufficient_funds":
            raise Conflict("wallet.insufficient", ja="残高が足りません。", en="Not enough coins.") from None
        raise
    return Payment(journal, merchant, amount)


def pay_static(
    *, resident: Resident, merchant_id: str, amount: int, key: str, on: date, actor: Actor, at: datetime | None = None
) -> Payment:
    """The resident scanned the shop's sticker and typed the amount (`at`: only to import past history)."""
    return payment_post(
        resident=resident,
        merchant=merchant_accepting(merchant_id),
        amount=amount,
        key=f"pay:{key}",
        on=on,
        channel="static",
        actor=actor,
        at=at,
    )


@transaction.atomic(durable=True)
def payment_request_create(*, merchant_id: str, amount: int, actor: Actor) -> tuple[PaymentRequest, str]:
    """A shop asks for an amount: a one-time request shown as a dynamic QR, valid for five minutes."""
    merchant = merchant_accepting(merchant_id)
    now = timezone.now()
    request = PaymentRequest.objects.create(
        id="pr_" + secrets.token_hex(10),
        merchant=merchant,
        amount=amount_check(amount, limit=PAYMENT_LIMIT),
        created_at=now,
        expires_at=now + REQUEST_LIFETIME,
    )
    audit_record(
        tag="wallet:request:created",
        actor=actor,
        subject=f"request:{request.pk}",
        data={"merchant": merchant.pk, "amount": amount},
        municipality=merchant.municipality_id,
    )
    return request, merchant_qr(merchant, amount=request.amount, reference=request.pk)


def pay_request(*, resident: Resident, request_id: str, on: date, actor: Actor) -> Payment:
    """Pay a shop's dynamic request; the request is the journal's key, so it is paid at most once."""
    request = PaymentRequest.objects.select_related("merchant").filter(pk=request_id).first()
    if request is None:
        raise NotFound("wallet.request_unknown", ja="支払い依頼が見つかりません。", en="Unknown payment request.")
    if request.expires_at <= timezone.now():
        raise Conflict(
            "wallet.request_expired", ja="支払い依頼の期限が切れました。", en="The payment request has expired."
        )
    try:
        payment = payment_post(
            resident=resident,
            merchant=merchant_accepting(request.merchant_id),
            amount=request.amount,
            key=f"req:{request.pk}",
            on=on,
            channel="dynamic",
            actor=actor,
            extra={"request": request.pk},
        )
    except AppError as error:
        if error.code == "ledger.idempotency_mismatch":
            raise Conflict(
                "wallet.request_paid",
                ja="この支払い依頼は支払い済みです。",
                en="This payment request has already been paid.",
            ) from None
        raise
    PaymentRequest.objects.filter(pk=request.pk, journal_key="").update(journal_key=payment.journal.key)
    return payment


def customer_code_issue(*, resident: Resident, now: int | None = None) -> str:
    """A code the resident's phone shows for two minutes; the shop scans it and charges the amount."""
    code = codes.new_code(
        kind="customer", subject=resident.pairwise_id, now=now or int(time.time()), lifetime=CUSTOMER_CODE_LIFETIME
    )
    return codes.sign(code, _code_key())


def charge_customer_code(
    *, merchant_id: str, code: str, amount: int, on: date, actor: Actor, now: int | None = None
) -> Payment:
    try:
        signed = codes.verify(code.strip(), _code_key(), now=now or int(time.time()), kind="customer")
    except codes.CodeError as error:
        raise Invalid(
            f"wallet.{error.code.replace('.', '_')}",
            ja="コードが無効か期限切れです。",
            en="The code is not valid or has expired.",
        ) from None
    resident = Resident.objects.select_related("municipality").filter(pairwise_id=signed.subject).first()
    if resident is None:
        raise NotFound("wallet.resident_unknown", ja="利用者が見つかりません。", en="Unknown resident.")
    try:
        return payment_post(
            resident=resident,
            merchant=merchant_accepting(merchant_id),
            amount=amount,
            key=f"cpm:{signed.nonce}",
            on=on,
            channel="customer",
            actor=actor,
        )
    except AppError as error:
        if error.code == "ledger.idempotency_mismatch":
            raise Conflict("wallet.code_used", ja="このコードは使用済みです。", en="This code has been used.") from None
        raise


def refund(
    *,
    merchant_id: str,
    payment_key: str,
    amount: int,
    key: str,
    on: date,
    actor: Actor,
    now: datetime | None = None,
    at: datetime | None = None,
) -> Journal:
    """A shop gives back all or part of a payment within the area's window; value returns to the original lots."""
    merchant = merchant_accepting(merchant_id)
    original = Journal.objects.filter(key=payment_key, kind="payment", state=JournalState.POSTED).first()
    if original is None or original.memo.get("merchant") != merchant.pk:
        raise NotFound("wallet.payment_unknown", ja="支払いが見つかりません。", en="Unknown payment.")
    replay = Journal.objects.filter(key=f"refund:{key}", reverses=original).first()
    if replay is not None:  # the same refund asked again: the first answer, not a second refund
        return replay
    window = timedelta(days=area_settings(merchant.municipality).refund_window_days)
    if original.final_at is None or original.final_at + window < (now or timezone.now()):
        raise Conflict("wallet.refund_window", ja="返金できる期間を過ぎています。", en="The refund window has passed.")
    paid = original.postings.aggregate(total=Sum("amount"))["total"] or 0
    refunded = Journal.objects.filter(reverses=original).aggregate(total=Sum("postings__amount"))["total"] or 0
    if amount_check(amount, limit=PAYMENT_LIMIT) > paid - refunded:
        raise Conflict(
            "wallet.refund_too_large",
            ja="支払い額を超えて返金できません。",
            en="A refund cannot exceed what was paid.",
            detail={"refundable": paid - refunded},
        )
    resident_wallet = original.postings.get().debit
    moves = [
        Move(accounts.merchant_account(merchant.pk, merchant.area), resident_wallet, amount, restore=restore)
        for _, restore in refund_moves(original=original, amount=amount)
    ]
    try:
        journal = journal_post(
            audit=Audit(
                tag="wallet:payment:refunded",
                actor=actor,
                subject=f"journal:{key}",
                data={"payment": original.key, "amount": amount},
                municipality=merchant.municipality_id,
            ),
            key=f"refund:{key}",
            kind="refund",
            chain=merchant.area.slug,
            on=on,
            moves=moves,
            reverses=original,
            at=at,
            memo={"merchant": merchant.pk, "payment": original.key},
        )
    except AppError as error:
        if error.code == "ledger.insufficient_funds":
            raise Conflict(
                "wallet.merchant_balance",
                ja="お店の残高が足りないため返金できません。",
                en="The shop's balance is too low for this refund.",
            ) from None
        raise
    return journal
