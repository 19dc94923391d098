"""The resident's wallet pages: balances and what expires when, points → coins, paying a shop (its QR, a pasted
payload or the ID printed under the QR), the receipt to show the staff, and the resident's own two-minute code.

Thin: parse the form, call a service or selector, render. A form that moves money carries a one-time token made
when the form was rendered; the ledger key is built from it, so submitting the same form twice is one act.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any, cast

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, PermissionDenied
from hiroba.identity.models import Resident, User
from hiroba.identity.web import signed_in_resident
from hiroba.wallet import selectors
from hiroba.wallet.formats import jpqr
from hiroba.wallet.services import money, payments

SIGN_IN = "resident-sign-in"
RECEIPT_SESSION_KEY = "wallet_receipt"
MAX_TOKEN = 43  # secrets.token_urlsafe(32); ours are shorter
EXPIRY_NOTICE_DAYS = 30

# What a journal was, in the resident's words (history rows show these, not the ledger's kind).
KIND_LABELS = {
    "points": gettext_lazy("Points received"),
    "conversion": gettext_lazy("Points changed into coins"),
    "payment": gettext_lazy("Payment at a shop"),
    "refund": gettext_lazy("Refund from a shop"),
    "cash_charge": gettext_lazy("Coins bought at the counter"),
    "grant": gettext_lazy("Coins received"),
    "expire": gettext_lazy("Expired"),
}
HOLDING_LABELS = {
    "points": gettext_lazy("Points"),
    "coin": gettext_lazy("Coins (granted)"),
    "paid_coin": gettext_lazy("Coins (bought)"),
}


# ---------------------------------------------------------------- parsing helpers


def _text(value: str | None) -> str:
    """Form input as typed on a phone: full-width digits and letters (IME) become ASCII, spaces are dropped."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _whole_number(value: str | None, *, what: str) -> int:
    text = _text(value).replace(",", "").replace(" ", "")
    if not text.isascii() or not text.isdigit() or len(text) > 12:  # noqa: PLR2004 (far above any limit)
        raise Invalid(
            f"wallet.{what}",
            ja="数字（整数）で入力してください。",
            en="Enter a whole number.",
        )
    return int(text)


def _token(request: HttpRequest) -> str:
    token = request.POST.get("token", "")
    if not token or len(token) > MAX_TOKEN or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token):
        raise Invalid(
            "wallet.form_token",
            ja="画面が古くなっています。もう一度お試しください。",
            en="This form has expired. Please try again.",
        )
    return token


def _key(request: HttpRequest, token: str) -> str:
    return f"{cast('User', request.user).public_id}:web:{token}"  # a resident: _resident() ran first


def _new_token() -> str:
    return secrets.token_urlsafe(16)


# ---------------------------------------------------------------- wallet home


@login_required(login_url=SIGN_IN)
@require_GET
def wallet_home(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    today = timezone.localdate()
    view = selectors.wallet_view(resident=resident, on=today)
    soon = selectors.expiring_soon(resident=resident, on=today, within_days=EXPIRY_NOTICE_DAYS)
    context = {
        "view": view,
        "coins_total": view.coins + view.paid_coins,
        "holdings": [(HOLDING_LABELS.get(h.kind, h.kind), h) for h in view.holdings],
        "soon": soon,
        "history": [
            {"at": at, "kind": kind, "label": KIND_LABELS.get(kind, kind), "amount": amount, "journal": key}
            for at, kind, amount, key in view.history
        ],
    }
    return render(request, "wallet/resident_home.html", context)


# ---------------------------------------------------------------- points → coins


def _convert_page(
    request: HttpRequest,
    resident: Resident,
    *,
    error: AppError | None = None,
    points: str = "",
    preview: money.ConversionPreview | None = None,
) -> HttpResponse:
    context = {
        "points_balance": selectors.wallet_view(resident=resident, on=timezone.localdate(), history=0).points,
        "town": money.town_settings(resident.municipality),
        "rate": money.area_settings(resident.municipality),
        "token": _token(request) if preview else _new_token(),
        "points": points,
        "error": error,
        "preview": preview,
    }
    return render(request, "wallet/resident_convert.html", context, status=error.status if error else 200)


@login_required(login_url=SIGN_IN)
@require_http_methods(["GET", "POST"])
def wallet_convert(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    if request.method == "GET":
        return _convert_page(request, resident)
    typed = request.POST.get("points", "")
    try:
        token = _token(request)
        points = _whole_number(typed, what="amount")
        if request.POST.get("confirm") != "yes":  # first the resident sees what they get, and confirms it
            preview = money.conversion_preview(resident=resident, points=points, on=timezone.localdate())
            return _convert_page(request, resident, points=typed, preview=preview)
        journal = money.points_convert(
            resident=resident,
            points=points,
            key=_key(request, token),
            on=timezone.localdate(),
            actor=Actor.from_request(request),
        )
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        return _convert_page(request, resident, error=error, points=typed)
    messages.success(
        request,
        _("%(points)s points became %(coins)s coins.")
        % {"points": f"{points:,}", "coins": f"{journal.memo.get('coins', 0):,}"},
    )
    return redirect("wallet-home")


# ---------------------------------------------------------------- paying a shop


# Refusals about the amount; any other refusal on the pay page is about the shop (or the pasted QR code).
AMOUNT_REFUSALS = {"wallet.amount", "wallet.insufficient"}


def _pay_entry(
    request: HttpRequest, *, error: AppError | None = None, shop: str = "", amount: str = "", qr: str = ""
) -> HttpResponse:
    field = "qr" if qr else "amount" if error and error.code in AMOUNT_REFUSALS else "shop"
    context = {"error": error, "error_field": field if error else "", "shop": shop, "amount": amount, "qr": qr}
    return render(request, "wallet/resident_pay.html", context, status=error.status if error else 200)


def _decode(payload: str) -> jpqr.MerchantQr:
    try:
        return jpqr.decode(payload)
    except jpqr.QrError as error:
        raise Invalid(error.code, ja="QRコードを読み取れません。", en="The QR code is not valid.") from None


def _coins(resident: Resident) -> int:
    view = selectors.wallet_view(resident=resident, on=timezone.localdate(), history=0)
    return view.coins + view.paid_coins


def _pay_review(request: HttpRequest, resident: Resident) -> HttpResponse:
    """GET with a QR or a shop ID: ask the amount when it is missing, then show what will be paid."""
    qr, shop, amount = _text(request.GET.get("qr")), _text(request.GET.get("shop")).lower(), request.GET.get("amount")
    context: dict[str, Any] = {"coins": _coins(resident), "token": _new_token()}
    if qr:
        decoded = _decode(qr)
        if decoded.reference:
            found = selectors.payment_request_get(request_id=decoded.reference)
            context |= {
                "merchant": found.merchant,
                "amount": found.amount,
                "request_id": found.pk,
                "expires_at": found.expires_at,
            }
            return render(request, "wallet/resident_pay_confirm.html", context)
        shop = decoded.merchant_id
    context["merchant"] = payments.merchant_accepting(shop)
    if not _text(amount):
        return render(request, "wallet/resident_pay_amount.html", context)
    context["amount"] = _whole_number(amount, what="amount")
    return render(request, "wallet/resident_pay_confirm.html", context)


def _pay_now(request: HttpRequest, resident: Resident) -> payments.Payment:
    actor, today = Actor.from_request(request), timezone.localdate()
    if request_id := request.POST.get("request", ""):
        return payments.pay_request(resident=resident, request_id=request_id, on=today, actor=actor)
    return payments.pay_static(
        resident=resident,
        merchant_id=_text(request.POST.get("shop")).lower(),
        amount=_whole_number(request.POST.get("amount"), what="amount"),
        key=_key(request, _token(request)),
        on=today,
        actor=actor,
    )


@login_required(login_url=SIGN_IN)
@require_http_methods(["GET", "POST"])
def wallet_pay(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    if request.method == "GET":
        if not any(_text(request.GET.get(name)) for name in ("qr", "shop")):
            return _pay_entry(request)
        try:
            return _pay_review(request, resident)
        except AppError as error:
            return _pay_entry(
                request,
                error=error,
                shop=request.GET.get("shop", ""),
                amount=request.GET.get("amount", ""),
                qr=request.GET.get("qr", ""),
            )
    try:
        payment = _pay_now(request, resident)
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        return _pay_entry(
            request, error=error, shop=request.POST.get("shop", ""), amount=request.POST.get("amount", "")
        )
    merchant = payment.merchant
    at = timezone.localtime(payment.journal.final_at or timezone.now())
    request.session[RECEIPT_SESSION_KEY] = {
        "journal": payment.journal.key,
        "amount": payment.amount,
        "shop": merchant.name,
        "town": merchant.municipality.name,
        "town_en": merchant.municipality.name_en,
        "at": at.isoformat(),
    }
    return redirect("wallet-receipt")


@login_required(login_url=SIGN_IN)
@require_GET
def wallet_receipt(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    if not isinstance(receipt, dict):
        return redirect("wallet-pay")
    context = {
        "receipt": receipt,
        "at": datetime.fromisoformat(receipt["at"]),
        "coins": _coins(resident),
    }
    return render(request, "wallet/resident_receipt.html", context)


# ---------------------------------------------------------------- the resident's own code


@login_required(login_url=SIGN_IN)
@require_GET
def wallet_code(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    code = payments.customer_code_issue(resident=resident)
    svg = segno.make(code, error="m").svg_inline(
        scale=8, border=4, dark="#000", light="#fff", omitsize=True, svgclass="wallet-qr-image"
    )
    context = {
        "code": code,
        "qr_svg": mark_safe(svg),  # noqa: S308 (segno's own SVG of a code we made: no user input)
        "valid_until": timezone.localtime() + timedelta(seconds=payments.CUSTOMER_CODE_LIFETIME),
        "lifetime_minutes": payments.CUSTOMER_CODE_LIFETIME // 60,
    }
    template = "wallet/resident_code.html#customer-code" if request.htmx else "wallet/resident_code.html"  # type: ignore[attr-defined]
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response
