"""The card simulator's pages: one page per step, guided, without JavaScript. Thin: selectors read and refuse
outsiders, services act; a refusal is shown beside the form with its reason code and the page's status."""

from __future__ import annotations

from typing import Any

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hiroba.assist.models import Scope
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Conflict, Invalid
from hiroba.identity.origin import site_origin
from hiroba.identity.services.residents import EnrollmentOffer
from hiroba.learning.simulator import selectors, services
from hiroba.learning.simulator.models import (
    AUTH_PIN_TRIES,
    SIGN_PASSWORD_TRIES,
    STEPS,
    TRAINING_PASSWORD,
    TRAINING_PIN,
    Step,
    Walk,
)
from hiroba.tenancy.selectors import municipality_get


def _titles() -> list[str]:
    return [
        _("Enroll with the card"),
        _("Sign in"),
        _("Receive and convert points"),
        _("Pay with a QR code"),
        _("Register a proxy"),
        _("Vote in a poll"),
    ]


def _progress(walk: Walk, number: int) -> list[dict[str, Any]]:
    return [
        {"number": i, "title": title, "done": i <= walk.steps_done, "here": i == number}
        for i, title in enumerate(_titles(), start=1)
    ]


def consent_items(offer: EnrollmentOffer) -> list[tuple[str, str]]:
    """The items of identity's consent page, word for word (the same message ids, so the same translations)."""
    town = municipality_get(lg_code=offer.lg_code)
    return [
        (_("Municipality"), town.name_en if get_language() == "en" else town.name),
        (_("Name shown on Hiroba"), offer.display_name),
        (_("Year and month of birth"), f"{offer.birth_year:04d}-{offer.birth_month:02d}"),
        (_("Your card"), _("A one-way code made from your certificate, so that the card can sign you in")),
        (_("Your consent"), _("This agreement, with its date and time")),
    ]


def _whole_number(text: str) -> int:
    try:
        return int(text.strip().replace(",", ""))
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
def home_page(request: HttpRequest) -> HttpResponse:
    """What the simulator is, and the trainee's walk: start, continue, or start over (POST)."""
    actor = Actor.from_request(request)
    current = selectors.walk_current(actor=actor)
    if request.method == "POST":
        walk = services.walk_start(actor=actor)
        return redirect("simulator-step", walk_id=walk.pk, number=1)
    context = {"walk": current, "titles": _titles(), "pin": TRAINING_PIN, "password": TRAINING_PASSWORD}
    return render(request, "simulator/home.html", context)


def walk_page(request: HttpRequest, walk_id: str) -> HttpResponse:
    """The walk's next step, or the summary once every step is done."""
    walk = selectors.walk_get(actor=Actor.from_request(request), walk_id=walk_id)
    if walk.steps_done < STEPS:
        return redirect("simulator-step", walk_id=walk.pk, number=walk.next_step)
    context = {"walk": walk, "progress": _progress(walk, 0), "steps": STEPS}
    return render(request, "simulator/done.html", context)


def _context(request: HttpRequest, walk: Walk, number: int) -> dict[str, Any]:
    context: dict[str, Any] = {
        "walk": walk,
        "number": number,
        "steps": STEPS,
        "title": _titles()[number - 1],
        "progress": _progress(walk, number),
        "done": walk.steps_done >= number,
        "pin": TRAINING_PIN,
        "password": TRAINING_PASSWORD,
        "pin_tries": AUTH_PIN_TRIES,
        "password_tries": SIGN_PASSWORD_TRIES,
        "town": walk.sandbox.municipality,
        "form": request.POST,
    }
    if number == Step.ENROLL:
        offer = services.enrollment_pending(walk)
        context["offer"] = offer
        context["items"] = consent_items(offer) if offer else []
    if number in (Step.CONVERT, Step.PAY):
        context["wallet"] = selectors.walk_wallet(walk=walk)
    if number == Step.PAY:
        payload = services.shop_payload(walk)
        context["qr"] = payload
        context["qr_image"] = segno.make_qr(payload.encode("utf-8"), error="m").svg_data_uri(scale=5, border=4)
        context["shop"] = services.SHOP_NAME
    if number == Step.PROXY:
        context["assisted"] = services.ASSISTED_NAME
        context["scopes"] = [(s.value, s.label) for s in Scope]
        context["proposed"] = [s.value for s in services.PROXY_SCOPES]
    if number == Step.VOTE:
        context["question"] = services.POLL_QUESTION
        context["answers"] = list(enumerate(services.POLL_ANSWERS))
    return context


def _act(request: HttpRequest, actor: Actor, walk: Walk, number: int) -> None:
    """Do what the step's form asks (POST `action`)."""
    origin = site_origin(request)
    post = request.POST
    match (number, post.get("action", "")):
        case (Step.ENROLL, "sign"):
            services.step_enroll_sign(
                actor=actor, walk=walk, pin=post.get("pin", ""), password=post.get("password", ""), origin=origin
            )
        case (Step.ENROLL, "consent"):
            offer = services.enrollment_pending(walk)
            if offer is None:
                raise Conflict(
                    "simulator.sign_first", ja="先にカードで署名してください。", en="Sign with the card first."
                )
            services.step_enroll_consent(
                actor=actor,
                walk=walk,
                consented=post.get("consent") == "yes",
                notice_text=services.notice_digest_text(consent_items(offer)),
                language=get_language() or "ja",
            )
        case (Step.SIGN_IN, "sign_in"):
            services.step_sign_in(actor=actor, walk=walk, pin=post.get("pin", ""), origin=origin)
        case (Step.CONVERT, "convert"):
            services.step_convert(actor=actor, walk=walk, points=_whole_number(post.get("points", "")))
        case (Step.PAY, "pay"):
            amount = _whole_number(post.get("amount", ""))
            services.step_pay(actor=actor, walk=walk, qr=post.get("qr", ""), amount=amount)
        case (Step.PROXY, "offer"):
            services.step_proxy_offer(
                actor=actor, walk=walk, scopes=post.getlist("scopes"), evidence=post.get("evidence", "")
            )
        case (Step.PROXY, "accept"):
            services.step_proxy_accept(
                actor=actor, walk=walk, code=post.get("code", ""), pin=post.get("pin", ""), origin=origin
            )
        case (Step.VOTE, "vote"):
            services.step_vote(actor=actor, walk=walk, choice=_whole_number(post.get("choice", "") or "-1"))
        case _:
            raise Invalid("simulator.form_action", ja="この操作は行えません。", en="Unknown action.")


def _error_field(error: AppError | None, number: int) -> str:
    """The input a refusal is about, for the error summary's link and the input's aria-invalid."""
    if error is None:
        return ""
    if "password" in error.code:
        return "password"
    if "pin" in error.code or error.code.startswith("jpki."):
        return "pin"
    if error.code.startswith("assist.code"):
        return "code"
    fields: dict[int, str] = {Step.ENROLL: "consent", Step.CONVERT: "points", Step.PAY: "amount"}
    fields |= {Step.PROXY: "evidence", Step.VOTE: "choice-0"}
    return fields.get(number, "")


@require_http_methods(["GET", "POST"])
def step_page(request: HttpRequest, walk_id: str, number: int) -> HttpResponse:
    """One step: what the resident sees, what to say at the counter, and the form that plays it."""
    actor = Actor.from_request(request)
    walk = selectors.walk_get(actor=actor, walk_id=walk_id)
    selectors.step_visible(walk=walk, number=number)
    error: AppError | None = None
    if request.method == "POST":
        try:
            _act(request, actor, walk, number)
        except AppError as refused:
            error = refused
        else:
            walk.refresh_from_db()
            if walk.steps_done >= number:
                return redirect("simulator-walk", walk_id=walk.pk)
            return redirect("simulator-step", walk_id=walk.pk, number=number)
        walk.refresh_from_db()
    context = _context(request, walk, number)
    context["error"] = error
    context["error_field"] = _error_field(error, number)
    return render(request, f"simulator/step_{number}.html", context, status=error.status if error else 200)


@require_POST
def counter_page(request: HttpRequest, walk_id: str) -> HttpResponse:
    """ "Reset at the counter" for a locked PIN or password, then back to the step."""
    actor = Actor.from_request(request)
    walk = selectors.walk_get(actor=actor, walk_id=walk_id)
    services.card_counter_reset(actor=actor, walk=walk, secret=request.POST.get("secret", ""))
    return redirect("simulator-step", walk_id=walk.pk, number=walk.next_step)
