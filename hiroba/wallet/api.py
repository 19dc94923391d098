"""Wallet endpoints: residents' balances, conversion and payments; shops' requests, charges and refunds;
staff approvals, budgets and counter sales. The `Idempotency-Key` of each request is the ledger journal's key."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status
from ninja.security import django_auth

from hiroba.core.audit import Actor
from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.core.models import Channel
from hiroba.identity.models import User
from hiroba.identity.selectors import town_resident
from hiroba.identity.web import signed_in_resident
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import municipality_get, staff_scope
from hiroba.wallet import selectors
from hiroba.wallet.formats import jpqr
from hiroba.wallet.models import Merchant
from hiroba.wallet.schemas import (
    BudgetIn,
    CardPayIn,
    ChargeIn,
    ConvertIn,
    CustomerCodeOut,
    JournalOut,
    MerchantIn,
    MerchantOut,
    PayIn,
    RefundIn,
    RequestIn,
    RequestOut,
    SellIn,
    SuspendIn,
    WalletOut,
)
from hiroba.wallet.services import cards, merchants, money, payments, prepaid

router = Router(tags=["wallet"], auth=django_auth)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


def _key(request: HttpRequest) -> str:
    """The ledger key: the caller's account and its Idempotency-Key (the middleware has checked it is there)."""
    return f"{_user(request).public_id}:{request.headers.get('Idempotency-Key', '')}"


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)  # every route here requires a signed-in account (django_auth)


def _own_merchant(request: HttpRequest, merchant_id: str) -> Merchant:
    return selectors.merchant_owned(user=_user(request), merchant_id=merchant_id)


def _journal(journal: Any, amount: int) -> dict[str, Any]:
    return {"journal": journal.key, "kind": journal.kind, "amount": amount}


@router.get("/wallet", response=WalletOut, summary="The resident's points and coins, what expires when, history")
def wallet(request: HttpRequest) -> dict[str, Any]:
    view = selectors.wallet_view(resident=signed_in_resident(request), on=timezone.localdate())
    return {
        "points": view.points,
        "coins": view.coins,
        "paid_coins": view.paid_coins,
        "holdings": [h.__dict__ for h in view.holdings],
        "history": [
            {"at": at, "kind": kind, "amount": amount, "journal": key} for at, kind, amount, key in view.history
        ],
    }


@router.post("/wallet/convert", response=JournalOut, summary="Convert points into the area's coin")
def convert(request: HttpRequest, body: ConvertIn) -> dict[str, Any]:
    resident = signed_in_resident(request)
    journal = money.points_convert(
        resident=resident, points=body.points, key=_key(request), on=timezone.localdate(), actor=_actor(request)
    )
    return _journal(journal, money.conversion_quote(resident=resident, points=body.points))


@router.post("/wallet/pay", response=JournalOut, summary="Pay a shop: its QR (static or dynamic) or typed shop ID")
def pay(request: HttpRequest, body: PayIn) -> dict[str, Any]:
    resident, actor, today = signed_in_resident(request), _actor(request), timezone.localdate()
    if body.qr:
        try:
            qr = jpqr.decode(body.qr)
        except jpqr.QrError as error:
            raise Invalid(error.code, ja="QRコードを読み取れません。", en="The QR code is not valid.") from None
        if qr.reference:
            payment = payments.pay_request(resident=resident, request_id=qr.reference, on=today, actor=actor)
            return _journal(payment.journal, payment.amount)
        merchant_id = qr.merchant_id
    elif body.merchant_id:
        merchant_id = body.merchant_id
    else:
        raise Invalid(
            "wallet.no_shop", ja="お店のQRコードかIDを指定してください。", en="Give the shop's QR code or ID."
        )
    if body.amount is None:
        raise Invalid("wallet.amount", ja="金額を入力してください。", en="Enter the amount.")
    payment = payments.pay_static(
        resident=resident, merchant_id=merchant_id, amount=body.amount, key=_key(request), on=today, actor=actor
    )
    return _journal(payment.journal, payment.amount)


@router.post("/wallet/customer-code", response=CustomerCodeOut, summary="A two-minute code for the shop to scan")
def customer_code(request: HttpRequest) -> dict[str, Any]:
    return {
        "code": payments.customer_code_issue(resident=signed_in_resident(request)),
        "expires_in": payments.CUSTOMER_CODE_LIFETIME,
    }


@router.post("/merchants/{merchant_id}/requests", response={201: RequestOut}, summary="Ask for an amount (dynamic QR)")
def request_amount(request: HttpRequest, merchant_id: str, body: RequestIn) -> Status[dict[str, Any]]:
    merchant = _own_merchant(request, merchant_id)
    created, qr = payments.payment_request_create(merchant_id=merchant.pk, amount=body.amount, actor=_actor(request))
    return Status(201, {"id": created.pk, "amount": created.amount, "expires_at": created.expires_at, "qr": qr})


@router.post("/merchants/{merchant_id}/charges", response=JournalOut, summary="Charge a resident's customer code")
def charge(request: HttpRequest, merchant_id: str, body: ChargeIn) -> dict[str, Any]:
    merchant = _own_merchant(request, merchant_id)
    payment = payments.charge_customer_code(
        merchant_id=merchant.pk, code=body.code, amount=body.amount, on=timezone.localdate(), actor=_actor(request)
    )
    return _journal(payment.journal, payment.amount)


@router.post(
    "/merchants/{merchant_id}/card-payments", response=JournalOut, summary="Charge a printed card with its PIN"
)
def card_payment(request: HttpRequest, merchant_id: str, body: CardPayIn) -> dict[str, Any]:
    merchant = _own_merchant(request, merchant_id)
    payment = cards.card_pay(
        merchant_id=merchant.pk,
        card_id=body.card_id,
        pin=body.pin,
        amount=body.amount,
        key=_key(request),
        on=timezone.localdate(),
        actor=_actor(request),
    )
    return _journal(payment.journal, payment.amount)


@router.post("/merchants/{merchant_id}/refunds", response=JournalOut, summary="Refund all or part of a payment")
def refund(request: HttpRequest, merchant_id: str, body: RefundIn) -> dict[str, Any]:
    merchant = _own_merchant(request, merchant_id)
    journal = payments.refund(
        merchant_id=merchant.pk,
        payment_key=body.payment,
        amount=body.amount,
        key=_key(request),
        on=timezone.localdate(),
        actor=_actor(request),
    )
    return _journal(journal, body.amount)


def _merchant(m: Merchant) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "municipality": m.municipality_id,
        "area": m.area.slug,
        "status": m.status,
        "qr": payments.merchant_qr(m) if m.status == "approved" else None,
    }


@router.post("/merchants", response={201: MerchantOut}, summary="A shop applies (staff enter paper applications too)")
def merchant_apply(request: HttpRequest, body: MerchantIn) -> Status[dict[str, Any]]:
    data = body.dict()
    municipality = municipality_get(lg_code=data.pop("lg_code"))
    merchant = merchants.merchant_apply(municipality=municipality, **data, actor=_actor(request))
    if getattr(request.user, "kind", "") == "merchant":
        Merchant.objects.filter(pk=merchant.pk).update(user=request.user)
    return Status(201, _merchant(merchant))


@router.post("/merchants/{merchant_id}/approve", response=MerchantOut, summary="Approve (the town's finance staff)")
def merchant_approve(request: HttpRequest, merchant_id: str) -> dict[str, Any]:
    return _merchant(merchants.merchant_approve(merchant_id=merchant_id, actor=_actor(request)))


@router.post("/merchants/{merchant_id}/suspend", response=MerchantOut, summary="Suspend (the town's finance staff)")
def merchant_suspend(request: HttpRequest, merchant_id: str, body: SuspendIn) -> dict[str, Any]:
    return _merchant(merchants.merchant_suspend(merchant_id=merchant_id, reason=body.reason, actor=_actor(request)))


def _require(request: HttpRequest, role: Role, lg_code: str) -> None:
    """The role in that town, or its administration (総務), which may act for any of the town's sections."""
    scope = staff_scope(user=_user(request))
    if not (scope.has(role, lg_code) or scope.has(Role.ADMIN, lg_code)):
        raise PermissionDenied(
            "tenancy.forbidden", ja="この操作の権限がありません。", en="You may not do this for that municipality."
        )


@router.post("/municipalities/{lg_code}/budgets", response=JournalOut, summary="Appropriate a fiscal year's budget")
def budget(request: HttpRequest, lg_code: str, body: BudgetIn) -> dict[str, Any]:
    _require(request, Role.FINANCE, lg_code)
    journal = money.budget_appropriate(
        municipality=municipality_get(lg_code=lg_code),
        year=body.year,
        amount=body.amount,
        key=_key(request),
        actor=_actor(request),
    )
    return _journal(journal, body.amount)


@router.post("/municipalities/{lg_code}/coin-refunds", response=JournalOut, summary="Refund paid coins in cash")
def coin_refund(request: HttpRequest, lg_code: str, body: SellIn) -> dict[str, Any]:
    _require(request, Role.COUNTER, lg_code)
    journal = prepaid.paid_coins_refund(
        resident=town_resident(lg_code=lg_code, pairwise_id=body.resident),
        amount=body.amount,
        key=_key(request),
        on=timezone.localdate(),
        actor=_actor(request),
    )
    return _journal(journal, body.amount)


@router.post("/municipalities/{lg_code}/coin-sales", response=JournalOut, summary="Sell coins for cash at a counter")
def coin_sale(request: HttpRequest, lg_code: str, body: SellIn) -> dict[str, Any]:
    _require(request, Role.COUNTER, lg_code)
    journal = money.coins_sell(
        resident=town_resident(lg_code=lg_code, pairwise_id=body.resident),
        amount=body.amount,
        key=_key(request),
        on=timezone.localdate(),
        actor=_actor(request),
    )
    return _journal(journal, body.amount)
