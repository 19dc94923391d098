"""The shop owner's pages: the store QR and its poster, asking for an amount, charging a resident's code, today's
payments live (htmx polling of the same URL, a plain link without JavaScript), refunds and settlement statements.

Thin: parse, call a service or selector, render. A shop is shown only to its owner; anyone else gets the same 404
as for a shop that does not exist. A refusal is shown with its message and reason code, with the refusal's status.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, time
from functools import wraps
from pathlib import Path
from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, NotFound, PermissionDenied
from hiroba.identity.models import AccountKind, User
from hiroba.wallet import selectors
from hiroba.wallet.formats.poster import poster_pdf
from hiroba.wallet.models import Merchant, MerchantStatus
from hiroba.wallet.services import cards, payments

# A statement's period as the settle command names its folder; nothing else is ever joined into a path.
STATEMENT_PERIOD = re.compile(r"^[0-9]{4}-[0-9]{2}(-[12])?$")
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
POLL_SECONDS = 3

ShopView = Callable[..., HttpResponse]


# ------------------------------------------------------------------------------------------------ helpers


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def merchant_required(view: ShopView) -> ShopView:
    """Signed-out visitors go to the merchant sign-in (an htmx poll is sent there too); other accounts get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if _htmx(request):
                return cast("HttpResponse", HttpResponseClientRedirect(reverse("merchant-login")))
            return redirect_to_login(request.get_full_path(), reverse("merchant-login"))
        if getattr(request.user, "kind", "") != AccountKind.MERCHANT:
            raise PermissionDenied(
                "wallet.merchants_only", ja="加盟店のためのページです。", en="This page is for merchants."
            )
        return view(request, *args, **kwargs)

    return wrapper


def _owner(request: HttpRequest) -> User:
    return cast("User", request.user)  # merchant_required has checked it is a signed-in merchant


def _own_shop(request: HttpRequest, merchant_id: str) -> Merchant:
    """The signed-in owner's shop; another owner's shop is as unknown as one that does not exist."""
    return selectors.merchant_owned(user=_owner(request), merchant_id=merchant_id)


def _qr_image(payload: str) -> str:
    """The payload as an SVG data URI (allowed by the CSP's img-src), UTF-8 in byte mode like the poster's."""
    return segno.make_qr(payload.encode("utf-8"), error="m").svg_data_uri(scale=6, border=4)


def _amount(request: HttpRequest) -> int:
    """The typed amount; full-width digits and thousands separators are fine, anything else is 0 (which the
    services refuse with `wallet.amount`)."""
    text = request.POST.get("amount", "").strip().replace(",", "").replace("，", "")
    try:
        return int(text)
    except ValueError:
        return 0


def _today_start() -> datetime:
    return datetime.combine(timezone.localdate(), time.min, selectors.TOKYO)


def _payment_rows(shop: Merchant) -> list[dict[str, Any]]:
    """Today's payments and refunds, newest first; each payment with a fresh one-time token for its refund form."""
    rows = []
    for at, kind, amount, key in selectors.merchant_payments(merchant=shop, since=_today_start()):
        rows.append(
            {
                "at": at,
                "kind": kind,
                "amount": amount,
                "yen": f"{abs(amount):,}",
                "key": key,
                "row": hashlib.sha256(key.encode()).hexdigest()[:12],  # stable ids: htmx keeps focus and input
                "token": secrets.token_urlsafe(18) if kind == "payment" else "",
            }
        )
    return rows


def _detail(
    request: HttpRequest, shop: Merchant, *, template: str = "wallet/shop_detail.html", status: int = 200, **extra: Any
) -> HttpResponse:
    accepting = shop.status == MerchantStatus.APPROVED
    context = {
        "shop": shop,
        "accepting": accepting,
        "store_qr": _qr_image(payments.merchant_qr(shop)) if accepting else "",
        "rows": _payment_rows(shop),
        "poll": f"every {POLL_SECONDS}s",
        "request_lifetime": int(payments.REQUEST_LIFETIME.total_seconds() // 60),
        "card_token": secrets.token_urlsafe(18),  # a fresh key per form: sending the same form twice pays once
        **extra,
    }
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _refusal(error: AppError) -> AppError:
    """A refusal to show beside the form; a forbidden action is not a form error and goes to the error page."""
    if isinstance(error, PermissionDenied):
        raise error
    return error


# ------------------------------------------------------------------------------------------------ pages


@require_GET
@merchant_required
def shop_home(request: HttpRequest) -> HttpResponse:
    shops = selectors.merchants_owned(user=_owner(request))
    return render(request, "wallet/shop_home.html", {"shops": shops})


@never_cache
@require_http_methods(["GET", "POST"])
@merchant_required
def shop_detail(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """The shop's counter screen. GET from htmx is the live payments list alone; the two forms post here."""
    shop = _own_shop(request, merchant_id)
    if request.method == "GET":
        template = "wallet/shop_detail.html#payments" if _htmx(request) else "wallet/shop_detail.html"
        return _detail(request, shop, template=template)
    action = request.POST.get("action", "")
    if action == "request":
        return _request_amount(request, shop)
    if action == "charge":
        return _charge_code(request, shop)
    raise Invalid("wallet.form_action", ja="不明な操作です。", en="Unknown action.")


def _request_amount(request: HttpRequest, shop: Merchant) -> HttpResponse:
    template = "wallet/shop_detail.html#request-panel" if _htmx(request) else "wallet/shop_detail.html"
    try:
        created, payload = payments.payment_request_create(
            merchant_id=shop.pk, amount=_amount(request), actor=Actor.from_request(request)
        )
    except AppError as error:
        return _detail(request, shop, template=template, status=error.status, request_error=_refusal(error))
    return _detail(
        request,
        shop,
        template=template,
        payment_request=created,
        request_yen=f"{created.amount:,}",
        request_payload=payload,
        request_qr=_qr_image(payload),
    )


def _charge_code(request: HttpRequest, shop: Merchant) -> HttpResponse:
    template = "wallet/shop_detail.html#charge-panel" if _htmx(request) else "wallet/shop_detail.html"
    try:
        payment = payments.charge_customer_code(
            merchant_id=shop.pk,
            code=request.POST.get("code", ""),
            amount=_amount(request),
            on=timezone.localdate(),
            actor=Actor.from_request(request),
        )
    except AppError as error:
        return _detail(request, shop, template=template, status=error.status, charge_error=_refusal(error))
    done = _("Charged ¥%(amount)s.") % {"amount": f"{payment.amount:,}"}
    if _htmx(request):
        return _detail(request, shop, template=template, charge_done=done)
    messages.success(request, done)
    return redirect("shop-detail", merchant_id=shop.pk)


@never_cache
@require_POST
@merchant_required
def shop_card_pay(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """Charge a resident's printed card: its ID (typed, or scanned into the field) and the PIN the resident types.
    The PIN is never shown again, not even after a refusal."""
    shop = _own_shop(request, merchant_id)
    template = "wallet/shop_detail.html#card-panel" if _htmx(request) else "wallet/shop_detail.html"
    card_id = request.POST.get("card_id", "").strip()[:40]
    try:
        token = request.POST.get("token", "")
        if not FORM_TOKEN.fullmatch(token):
            raise Invalid(
                "wallet.form_token",
                ja="フォームが古くなっています。画面を更新してやり直してください。",
                en="The form is out of date. Refresh the page and try again.",
            )
        payment = cards.card_pay(
            merchant_id=shop.pk,
            card_id=card_id,
            pin=request.POST.get("pin", ""),
            amount=_amount(request),
            key=f"web:{_owner(request).public_id}:{token}",
            on=timezone.localdate(),
            actor=Actor.from_request(request),
        )
    except AppError as error:
        return _detail(
            request, shop, template=template, status=error.status, card_error=_refusal(error), card_value=card_id
        )
    done = _("Charged ¥%(amount)s to the printed card.") % {"amount": f"{payment.amount:,}"}
    if _htmx(request):
        return _detail(request, shop, template=template, card_done=done)
    messages.success(request, done)
    return redirect("shop-detail", merchant_id=shop.pk)


@require_POST
@merchant_required
def shop_refund(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """Give back all or part of a payment. The form's one-time token is the key: sending it twice refunds once."""
    shop = _own_shop(request, merchant_id)
    token = request.POST.get("token", "")
    try:
        if not FORM_TOKEN.fullmatch(token):
            raise Invalid(
                "wallet.form_token",
                ja="フォームが古くなっています。画面を更新してやり直してください。",
                en="The form is out of date. Refresh the page and try again.",
            )
        amount = _amount(request)
        payments.refund(
            merchant_id=shop.pk,
            payment_key=request.POST.get("payment", ""),
            amount=amount,
            key=f"web:{_owner(request).public_id}:{token}",
            on=timezone.localdate(),
            actor=Actor.from_request(request),
        )
    except AppError as error:
        return _detail(request, shop, status=error.status, refund_error=_refusal(error))
    messages.success(request, _("Refunded ¥%(amount)s.") % {"amount": f"{amount:,}"})
    return redirect("shop-detail", merchant_id=shop.pk)


@require_GET
@merchant_required
def shop_poster(request: HttpRequest, merchant_id: str) -> HttpResponse:
    """The printable A4 poster with the store QR; only for a shop that takes payments."""
    shop = payments.merchant_accepting(_own_shop(request, merchant_id).pk)
    pdf = poster_pdf(
        coin_name=shop.area.currency_name,
        shop_name=shop.name,
        shop_id=shop.pk,
        qr_payload=payments.merchant_qr(shop),
        town=shop.municipality.name,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="poster-{shop.pk}.pdf"'
    return response


STATEMENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _statement_path(shop: Merchant, period: str, kind: str = "csv") -> Path:
    """Where the settle command writes this shop's statement of a period, built from checked parts only."""
    name = f"statement-{shop.pk}-{period}.{kind}"
    return Path(settings.VAR_DIR) / "settlements" / shop.area.slug / period / name


@require_GET
@merchant_required
def shop_statements(request: HttpRequest, merchant_id: str) -> HttpResponse:
    shop = _own_shop(request, merchant_id)
    area_dir = Path(settings.VAR_DIR) / "settlements" / shop.area.slug
    periods = (
        sorted(
            (
                entry.name
                for entry in area_dir.iterdir()
                if STATEMENT_PERIOD.fullmatch(entry.name) and _statement_path(shop, entry.name).is_file()
            ),
            reverse=True,
        )
        if area_dir.is_dir()
        else []
    )
    return render(request, "wallet/shop_statements.html", {"shop": shop, "periods": periods})


@require_GET
@merchant_required
def shop_statement(request: HttpRequest, merchant_id: str, period: str, kind: str) -> HttpResponse:
    shop = _own_shop(request, merchant_id)
    known = STATEMENT_PERIOD.fullmatch(period) and kind in STATEMENT_TYPES
    path = _statement_path(shop, period, kind) if known else None
    if path is None or not path.is_file():
        raise NotFound("wallet.statement_unknown", ja="精算明細書が見つかりません。", en="No such statement.")
    response = HttpResponse(path.read_bytes(), content_type=STATEMENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response
