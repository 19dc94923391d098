"""Finance pages for municipal staff: a town's wallet (budget, shops, outstanding coins, daily payments) and an
area's settlements (runs, files, clearing report, paid-coin balance at the base dates).

Thin views: forms parse the input, `selectors_staff` reads (and refuses staff outside the town or area), the
wallet services write. Every form works without JavaScript; the shops table is also an htmx fragment.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, NotFound, PermissionDenied
from hiroba.core.fiscal import fiscal_year
from hiroba.identity.models import User
from hiroba.identity.selectors import town_resident
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import CurrencyArea, Municipality, Role
from hiroba.tenancy.selectors import StaffScope, area_get, municipality_get, staff_scope
from hiroba.wallet import selectors, selectors_staff
from hiroba.wallet.selectors_staff import DayVolume
from hiroba.wallet.services import cards, merchants, money, settlement
from hiroba.wallet.services.settlement import PERIOD

FORM_KEY = r"\A[A-Za-z0-9_-]{16,64}\Z"  # the one-time form token: what secrets.token_urlsafe gives
MAX_BUDGET = 10**11
CARD_ROLES = (Role.COUNTER, Role.ADMIN)  # printed cards are issued at the service counter


def _refusal(error: AppError) -> str:
    """A service's refusal as a form error: both messages and the code to quote to the help desk."""
    return f"{error.message_ja} / {error.message_en} ({error.code})"


def _unknown_action() -> Invalid:
    return Invalid("wallet.form_action", ja="この操作は行えません。", en="Unknown action.")


def _scope(request: HttpRequest) -> StaffScope:
    return staff_scope(user=request.user)


# ---------------------------------------------------------------- forms


class BudgetForm(forms.Form):
    """Appropriate a fiscal year's budget. `token` is fresh on every page: it is the journal's key, so submitting
    the same form twice posts one journal."""

    year = forms.IntegerField(label=gettext_lazy("Fiscal year"), min_value=2000, max_value=2100)
    amount = forms.IntegerField(label=gettext_lazy("Amount (coins = yen)"), min_value=1, max_value=MAX_BUDGET)
    token = forms.RegexField(regex=FORM_KEY, widget=forms.HiddenInput)


class MerchantActionForm(forms.Form):
    merchant_id = forms.CharField(max_length=20)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


class CardIssueForm(forms.Form):
    """A printed card: the resident (pairwise ID), the PIN the resident types in themselves, the daily limit."""

    resident = forms.CharField(label=gettext_lazy("Resident's pairwise ID"), max_length=100)
    pin = forms.CharField(
        label=gettext_lazy("PIN (4 digits, typed by the resident)"),
        min_length=4,
        max_length=4,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}),
    )
    daily_limit = forms.IntegerField(
        label=gettext_lazy("Daily limit (yen)"),
        min_value=1,
        max_value=cards.MAX_DAILY_LIMIT,
        initial=cards.DEFAULT_DAILY_LIMIT,
    )


class CardForm(forms.Form):
    card_id = forms.RegexField(regex=r"\Ac_[0-9a-f]{16}\Z", max_length=20)


class PeriodForm(forms.Form):
    period = forms.RegexField(
        label=gettext_lazy("Period"),
        regex=rf"\A(?:{PERIOD.pattern})\Z",
        max_length=10,
        help_text=gettext_lazy("YYYY-MM (or YYYY-MM-1 / YYYY-MM-2 for areas that settle twice a month)"),
    )


# ---------------------------------------------------------------- the chart


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    volume: DayVolume


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar per day in SVG user units; the template draws it, CSS colours it."""

    width: int
    height: int
    baseline: int
    label_y: int
    bars: list[Bar]
    peak: int


CHART_BAR = 20
CHART_GAP = 4
CHART_TOP = 16
CHART_PLOT = 160
CHART_LABELS = 20


def chart_layout(volumes: list[DayVolume]) -> Chart:
    """Bars scaled to the busiest day (a day with no payments is a bar of height zero)."""
    peak = max((v.amount for v in volumes), default=0)
    baseline = CHART_TOP + CHART_PLOT
    bars = []
    for i, v in enumerate(volumes):
        height = v.amount * CHART_PLOT // peak if peak else 0
        bars.append(Bar(x=i * CHART_BAR + CHART_GAP // 2, y=baseline - height, width=CHART_BAR - CHART_GAP,
                        height=height, volume=v))  # fmt: skip
    return Chart(
        width=len(volumes) * CHART_BAR,
        height=baseline + CHART_LABELS,
        baseline=baseline,
        label_y=baseline + CHART_LABELS - 6,
        bars=bars,
        peak=peak,
    )


# ---------------------------------------------------------------- a town's wallet


def _wallet_context(
    m: Municipality,
    scope: StaffScope,
    *,
    budget_form: BudgetForm | None = None,
    merchant_error: str = "",
    card_issue_form: CardIssueForm | None = None,
    card_error: str = "",
) -> dict[str, Any]:
    today = timezone.localdate()
    year = fiscal_year(today)
    budgets = selectors_staff.town_budgets(scope=scope, lg_code=m.lg_code, current_year=year)
    volumes = selectors_staff.town_daily_payments(scope=scope, lg_code=m.lg_code, today=today)
    return {
        "m": m,
        "today": today,
        "budget": next(b for b in budgets if b.year == year),
        "budgets": budgets,
        "budget_form": budget_form
        or BudgetForm(initial={"year": year, "token": secrets.token_urlsafe(24)}, auto_id="budget-%s"),
        "merchants": selectors_staff.town_merchants(scope=scope, lg_code=m.lg_code),
        "merchant_error": merchant_error,
        "can_cards": _cards_allowed(scope, m.lg_code),
        "card_issue_form": card_issue_form or CardIssueForm(auto_id="card-%s"),
        "card_error": card_error,
        "outstanding": selectors_staff.town_outstanding(scope=scope, lg_code=m.lg_code, today=today),
        "expired": selectors_staff.town_expired(scope=scope, lg_code=m.lg_code),
        "volumes": volumes,
        "chart": chart_layout(volumes),
    }


def _wallet_page(
    request: HttpRequest, m: Municipality, scope: StaffScope, status: int = 200, **kw: Any
) -> HttpResponse:
    context = _wallet_context(m, scope, **kw)
    template = "wallet/staff_wallet.html#merchants" if request.htmx else "wallet/staff_wallet.html"  # type: ignore[attr-defined]
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@login_required
def wallet_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """The town's finance page; POST `action` = budget | approve | suspend."""
    m = municipality_get(lg_code=lg_code)
    scope = _scope(request)
    selectors_staff.town_require(scope, m.lg_code)
    if request.method != "POST":
        return _wallet_page(request, m, scope)
    action = request.POST.get("action", "")
    if action == "budget":
        return _budget_appropriate(request, m, scope)
    if action in {"approve", "suspend"}:
        return _merchant_act(request, m, scope, action)
    raise _unknown_action()


def _budget_appropriate(request: HttpRequest, m: Municipality, scope: StaffScope) -> HttpResponse:
    form = BudgetForm(request.POST, auto_id="budget-%s")
    if not form.is_valid():
        return _wallet_page(request, m, scope, status=422, budget_form=form)
    user: User = request.user  # type: ignore[assignment]  # login_required
    data = form.cleaned_data
    try:
        money.budget_appropriate(
            municipality=m,
            year=data["year"],
            amount=data["amount"],
            key=f"budget-form:{user.public_id}:{data['token']}",
            actor=Actor.from_request(request),
        )
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        form.add_error(None, _refusal(error))
        return _wallet_page(request, m, scope, status=error.status, budget_form=form)
    messages.success(
        request,
        _("Appropriated %(amount)s coins for fiscal year %(year)s.")
        % {"amount": f"{data['amount']:,}", "year": data["year"]},
    )
    return redirect("staff-wallet", lg_code=m.lg_code)


def _merchant_act(request: HttpRequest, m: Municipality, scope: StaffScope, action: str) -> HttpResponse:
    form = MerchantActionForm(request.POST)
    if not form.is_valid():
        raise Invalid("wallet.form_merchant", ja="加盟店を指定してください。", en="Choose a merchant.")
    shop = selectors_staff.town_merchant_get(
        scope=scope, lg_code=m.lg_code, merchant_id=form.cleaned_data["merchant_id"]
    )
    actor = Actor.from_request(request)
    try:
        if action == "approve":
            merchants.merchant_approve(merchant_id=shop.pk, actor=actor)
        else:
            merchants.merchant_suspend(merchant_id=shop.pk, reason=form.cleaned_data["reason"], actor=actor)
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        return _wallet_page(request, m, scope, status=error.status, merchant_error=f"{shop.name}: {_refusal(error)}")
    if request.htmx:  # type: ignore[attr-defined]
        return _wallet_page(request, m, scope)
    done = _("Approved %(name)s.") if action == "approve" else _("Suspended %(name)s.")
    messages.success(request, done % {"name": shop.name})
    return redirect(reverse("staff-wallet", kwargs={"lg_code": m.lg_code}) + "#merchants")


# ---------------------------------------------------------------- printed cards (the service counter)


def _cards_allowed(scope: StaffScope, lg_code: str) -> bool:
    return any(scope.has(role, lg_code) for role in CARD_ROLES)


def _cards_refused(
    request: HttpRequest, m: Municipality, scope: StaffScope, error: AppError, *, form: CardIssueForm | None = None
) -> HttpResponse:
    """A refusal beside the cards section for staff who see the wallet page; counter staff get the error page."""
    if isinstance(error, PermissionDenied) or not any(scope.has(r, m.lg_code) for r in selectors_staff.FINANCE_ROLES):
        raise error
    return _wallet_page(request, m, scope, status=error.status, card_issue_form=form, card_error=_refusal(error))


@login_required
@require_POST
def cards_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """The counter's printed cards: POST `action` = issue (returns the card's PDF) | lost | unlock | suspend |
    resume."""
    m = municipality_get(lg_code=lg_code)
    scope = _scope(request)
    if not _cards_allowed(scope, m.lg_code):
        raise tenancy_errors.forbidden(m.lg_code)
    action = request.POST.get("action", "")
    if action == "issue":
        return _card_issue(request, m, scope)
    if action in CARD_ACTS:
        return _card_act(request, m, scope, action)
    raise _unknown_action()


def _card_issue(request: HttpRequest, m: Municipality, scope: StaffScope) -> HttpResponse:
    form = CardIssueForm(request.POST, auto_id="card-%s")
    try:
        if not form.is_valid():
            raise Invalid(
                "wallet.card_form",
                ja="入力内容を確認してください。",
                en="Check the resident, the PIN and the daily limit.",
            )
        resident = town_resident(lg_code=m.lg_code, pairwise_id=form.cleaned_data["resident"])
        card, pdf = cards.card_issue(
            resident=resident,
            pin=form.cleaned_data["pin"],
            daily_limit=form.cleaned_data["daily_limit"],
            actor=Actor.from_request(request),
        )
    except AppError as error:
        kept = {"resident": request.POST.get("resident", ""), "daily_limit": request.POST.get("daily_limit", "")}
        return _cards_refused(request, m, scope, error, form=CardIssueForm(auto_id="card-%s", initial=kept))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="card-{card.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


CARD_ACTS = {
    "lost": gettext_lazy("Card %(card)s reported lost."),
    "unlock": gettext_lazy("Card %(card)s unlocked."),
    "suspend": gettext_lazy("Card %(card)s suspended."),
    "resume": gettext_lazy("Card %(card)s can pay again."),
}


def _card_act(request: HttpRequest, m: Municipality, scope: StaffScope, action: str) -> HttpResponse:
    form = CardForm(request.POST)
    actor = Actor.from_request(request)
    try:
        card_id = form.cleaned_data["card_id"] if form.is_valid() else ""
        if not selectors.town_card_exists(lg_code=m.lg_code, card_id=card_id):
            raise NotFound("wallet.card_unknown", ja="このカードは見つかりません。", en="Unknown card.")
        if action == "lost":
            cards.card_report_lost(card_id=card_id, actor=actor)
        elif action == "unlock":
            cards.card_unlock(card_id=card_id, actor=actor)
        else:
            cards.card_suspend(card_id=card_id, suspended=action == "suspend", actor=actor)
    except AppError as error:
        return _cards_refused(request, m, scope, error)
    messages.success(request, CARD_ACTS[action] % {"card": card_id})
    return redirect(reverse("staff-wallet", kwargs={"lg_code": m.lg_code}) + "#cards")


# ---------------------------------------------------------------- an area's settlements


def _settlements_page(
    request: HttpRequest,
    area: CurrencyArea,
    scope: StaffScope,
    *,
    form: PeriodForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    runs = list(selectors_staff.area_settlements(scope=scope, area=area))
    wanted = request.GET.get("period", "")
    selected = next((s for s in runs if s.period == wanted), runs[0] if runs else None)
    files: list[selectors_staff.SettlementFile] = []
    clearing: list[selectors_staff.ClearingRow] = []
    if selected is not None:
        files = selectors_staff.settlement_files(scope=scope, area=area, period=selected.period)
        clearing = selectors_staff.area_clearing(scope=scope, area=area, period=selected.period)
    suggested = selectors_staff.last_ended_period(area=area, today=today)
    context = {
        "area": area,
        "runs": runs,
        "selected": selected,
        "files": files,
        "clearing": clearing,
        "clearing_totals": {
            "granted": sum(r.granted for r in clearing),
            "paid": sum(r.paid for r in clearing),
            "total": sum(r.total for r in clearing),
        },
        "form": form or PeriodForm(initial={"period": suggested}, auto_id="settle-%s"),
        "error": error,
        "paid_coins": selectors_staff.area_paid_coin_reports(scope=scope, area=area, today=today),
    }
    return render(request, "wallet/staff_settlements.html", context, status=status)


@login_required
def settlements_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The area's settlements; POST `action` = settle | transferred, with `period`."""
    area = area_get(slug=slug)
    scope = _scope(request)
    selectors_staff.area_require(scope, area)
    if request.method != "POST":
        return _settlements_page(request, area, scope)
    action = request.POST.get("action", "")
    if action not in {"settle", "transferred"}:
        raise _unknown_action()
    form = PeriodForm(request.POST, auto_id="settle-%s")
    if not form.is_valid():
        return _settlements_page(request, area, scope, form=form if action == "settle" else None, status=422)
    period = form.cleaned_data["period"]
    actor = Actor.from_request(request)
    try:
        if action == "settle":
            settlement.settle(
                area_slug=area.slug,
                period=period,
                out=selectors_staff.settlement_dir(area=area, period=period),
                today=timezone.localdate(),
                actor=actor,
            )
        else:
            settlement.settlement_mark_transferred(area_slug=area.slug, period=period, actor=actor)
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        if action == "settle":
            form.add_error(None, _refusal(error))
            return _settlements_page(request, area, scope, form=form, status=error.status)
        return _settlements_page(request, area, scope, error=_refusal(error), status=error.status)
    done = _("Settled %(period)s.") if action == "settle" else _("Marked %(period)s as transferred.")
    messages.success(request, done % {"period": period})
    return redirect(reverse("staff-settlements", kwargs={"slug": area.slug}) + f"?period={period}")


CONTENT_TYPES = {".txt": "text/plain; charset=Shift_JIS", ".csv": "text/csv; charset=utf-8", ".pdf": "application/pdf"}


@login_required
def settlement_file(request: HttpRequest, slug: str, period: str, name: str) -> FileResponse:
    """One file of a settlement, as an attachment; only names that the page lists are served."""
    area = area_get(slug=slug)
    path = selectors_staff.settlement_file_path(scope=_scope(request), area=area, period=period, name=name)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    return response
