"""Channels beyond e-mail: the resident's contact choice, the town office's kiosk and the counter's batch letters.

Thin: forms parse, `services.channels` validates, reads and writes. Every page works without JavaScript.

The kiosk has no sign-in: the card's PIN unlocks one look at the balance. The answer is kept in the terminal's
session for `KIOSK_SECONDS` behind a redirect (so that the browser's back button never re-posts a PIN), and every
kiosk page tells the browser to return to the start when the time is up (a `Refresh` header: no script needed).
"""

from __future__ import annotations

import time
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hiroba.assist import selectors
from hiroba.assist.formats.phone import Variant, balance_script
from hiroba.assist.models import ContactChannel
from hiroba.assist.services import channels
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, in_english
from hiroba.core.models import Channel
from hiroba.identity.web import signed_in_resident
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.selectors import municipality_get, staff_scope

SIGN_IN = "resident-sign-in"
KIOSK_SECONDS = 60
KIOSK_SESSION = "assist_kiosk"
KIOSK_ACTOR = Actor(user=None, channel=Channel.WEB, ref="kiosk")
DEFAULT_WITHIN_DAYS = 30


def _variant() -> Variant:
    language = get_language() or "ja"
    return "en" if language.startswith("en") else "easy" if language.endswith("-x-easy") else "ja"


# ---------------------------------------------------------------- the resident's contact choice


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("How should the town contact you?"),
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone number (for text messages and calls)"),
        help_text=gettext_lazy("For example 090-1234-5678."),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Postal code (for letters)"),
        help_text=gettext_lazy("7 digits, for example 385-0051."),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address (for letters)"),
        help_text=gettext_lazy("With the building and room number, as it should be written on the envelope."),
        required=False,
        max_length=channels.ADDRESS_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )


@login_required(login_url=SIGN_IN)
@require_http_methods(["GET", "POST"])
def contact_page(request: HttpRequest) -> HttpResponse:
    """GET: the current choice. POST: a new one; each field's problem is shown beside it."""
    resident = signed_in_resident(request)
    current = selectors.contact_preference_of(resident)
    initial = {"channel": ContactChannel.APP}
    if current is not None:
        initial = {f: getattr(current, f) for f in ("channel", "phone", "postal_code", "address")}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            channels.contact_preference_set(resident=resident, **form.cleaned_data, actor=Actor.from_request(request))
        except Invalid as error:
            for field, problem in error.detail.get("fields", {}).items():
                form.add_error(field, problem["en"] if in_english() else problem["ja"])
        else:
            messages.success(request, _("Saved. The town will contact you this way."))
            return redirect("assist-contact")
    return render(request, "assist/contact.html", {"form": form}, status=422 if form.errors else 200)


# ---------------------------------------------------------------- the kiosk


def _kiosk(response: HttpResponse) -> HttpResponse:
    """Back to the start when the time is up; never cached (the next person must not see it)."""
    response["Refresh"] = f"{KIOSK_SECONDS}; url={reverse('kiosk')}"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_page(request: HttpRequest) -> HttpResponse:
    """GET: the start (a scanned QR arrives as `?qr=`). POST: the card ID and PIN; the balance follows a redirect."""
    request.session.pop(KIOSK_SESSION, None)
    card_id = (request.POST.get("card_id") or request.GET.get("qr") or "").strip()
    if request.method == "GET":
        response = render(request, "assist/kiosk.html", {"card_id": card_id, "error": None, "field": ""})
        return _kiosk(response) if card_id else response
    today = timezone.localdate()
    try:
        balance = channels.card_balance(
            card_id=card_id, pin=request.POST.get("pin", ""), where="kiosk", on=today, actor=KIOSK_ACTOR
        )
    except AppError as error:
        field = "kiosk-card" if error.code == "wallet.card_unknown" else "kiosk-pin"
        context = {"card_id": card_id, "error": error, "field": field}
        return _kiosk(render(request, "assist/kiosk.html", context, status=error.status))
    request.session[KIOSK_SESSION] = {
        "until": time.time() + KIOSK_SECONDS,
        "on": today.isoformat(),
        "coins": balance.coins,
        "expiring": [(day.isoformat(), amount) for day, amount in balance.expiring],
    }
    return redirect("kiosk-balance")


@never_cache
@require_http_methods(["GET"])
def kiosk_balance_page(request: HttpRequest) -> HttpResponse:
    """The balance in very large print with a read-aloud button, for `KIOSK_SECONDS` after the PIN."""
    shown = request.session.get(KIOSK_SESSION)
    if not shown or shown["until"] < time.time():
        return redirect("kiosk")
    today = date.fromisoformat(shown["on"])
    expiring = [(date.fromisoformat(day), amount) for day, amount in shown["expiring"]]
    script = balance_script(balance=shown["coins"], expiring=expiring, today=today, variant=_variant())
    context = {"coins": shown["coins"], "expiring": expiring, "script": script, "seconds": KIOSK_SECONDS}
    return _kiosk(render(request, "assist/kiosk_balance.html", context))


# ---------------------------------------------------------------- the counter's letters


class LettersForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Date of the letters"), widget=forms.DateInput(attrs={"type": "date"}))
    within_days = forms.IntegerField(
        label=gettext_lazy("Coins expiring within (days)"), min_value=1, max_value=channels.MAX_WITHIN_DAYS
    )


@login_required
@require_http_methods(["GET", "POST"])
def letters_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """GET: the form and the town's earlier batches (`?file=` downloads one). POST: send the notices."""
    m = municipality_get(lg_code=lg_code)
    scope = staff_scope(user=request.user)
    if not any(scope.has(role, m.lg_code) for role in channels.LETTER_ROLES):
        raise tenancy_errors.forbidden(m.lg_code)
    if name := request.GET.get("file"):
        response = HttpResponse(selectors.letter_batch_pdf(municipality=m, name=name), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{m.lg_code}-{name}"'
        response["Cache-Control"] = "private, no-store"
        return response
    form = LettersForm(request.POST or None, initial={"on": timezone.localdate(), "within_days": DEFAULT_WITHIN_DAYS})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            _pdf, counts = channels.expiry_notices_send(
                municipality=m,
                on=form.cleaned_data["on"],
                within_days=form.cleaned_data["within_days"],
                actor=Actor.from_request(request),
            )
        except AppError as refusal:
            error = refusal
        else:
            messages.success(
                request,
                _("Notices sent: %(letter)s letters to print, %(sms)s text messages, %(phone)s calls.") % counts,
            )
            return redirect("staff-assist-letters", lg_code=m.lg_code)
    context = {"m": m, "form": form, "error": error, "batches": selectors.letter_batches(municipality=m)}
    return render(request, "assist/letters.html", context, status=422 if form.errors or error else 200)
