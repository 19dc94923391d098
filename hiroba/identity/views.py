"""Resident pages: sign-in with the My Number Card or the Digital Authentication App, enrollment with consent,
and "my data" with account deletion. Thin: parse, call a service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, PermissionDenied
from hiroba.identity import selectors, services
from hiroba.identity.forms import DisplayNameForm
from hiroba.identity.models import AccountKind, ChallengePurpose
from hiroba.identity.origin import site_origin
from hiroba.identity.services import oidc as oidc_services
from hiroba.identity.services.residents import EnrollmentOffer
from hiroba.identity.web import (
    client_ip,
    enrollment_finish,
    offer_get,
    offer_keep,
    pending_get,
    pending_keep,
    posted_card_proof,
    session_key,
)
from hiroba.tenancy.selectors import municipality_get


def _card_page(
    request: HttpRequest,
    template: str,
    purpose: ChallengePurpose,
    *,
    error: AppError | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "nonce": services.challenge_issue(session_key=session_key(request), purpose=purpose),
        "origin": site_origin(request),
        "test_rig": settings.TEST_RIG,
        "digital_auth": oidc_services.digital_auth_available(),
        "error": error,
        "keys": ["sign"] if purpose == ChallengePurpose.ENROLL else ["auth"],
        **(extra or {}),
    }
    return render(request, template, context, status=error.status if error else 200)


NEXT_KEY = "sign_in_next"


def _after_sign_in(request: HttpRequest) -> str:
    """Where a resident goes after signing in: the page that sent them (a path on this site), else "my data"."""
    target = str(request.session.pop(NEXT_KEY, ""))
    return target or reverse("resident-me")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        target = request.GET.get("next", "")
        if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            request.session[NEXT_KEY] = target
        return _card_page(request, "identity/sign_in.html", ChallengePurpose.SIGN_IN)
    try:
        outcome = services.jpki_sign_in(
            proof=posted_card_proof(request),
            origin=site_origin(request),
            session_key=session_key(request),
            ip=client_ip(request),
        )
    except AppError as error:
        return _card_page(request, "identity/sign_in.html", ChallengePurpose.SIGN_IN, error=error)
    if outcome.user is None:
        pending_keep(request, outcome.pending)
        return redirect("resident-enroll")
    enrollment_finish(request, outcome.user, method=outcome.pending.kind)
    return redirect(_after_sign_in(request))


@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest) -> HttpResponse:
    if pending_get(request) is None:
        return redirect("resident-sign-in")
    if request.method == "GET":
        return _card_page(request, "identity/enroll.html", ChallengePurpose.ENROLL)
    try:
        offer = services.jpki_enrollment_offer(
            proof=posted_card_proof(request),
            origin=site_origin(request),
            session_key=session_key(request),
            ip=client_ip(request),
        )
    except AppError as error:
        return _card_page(request, "identity/enroll.html", ChallengePurpose.ENROLL, error=error)
    offer_keep(request, offer)
    return redirect("resident-consent")


def consent_notice(offer: EnrollmentOffer) -> list[tuple[str, str]]:
    """The exact items shown before consent, in the page's language; their text is digested into the record."""
    municipality = municipality_get(lg_code=offer.lg_code)
    return [
        (_("Municipality"), municipality.name if get_language() != "en" else municipality.name_en),
        (_("Name shown on Hiroba"), offer.display_name),
        (_("Year and month of birth"), f"{offer.birth_year:04d}-{offer.birth_month:02d}"),
        (_("Your card"), _("A one-way code made from your certificate, so that the card can sign you in")),
        (_("Your consent"), _("This agreement, with its date and time")),
    ]


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    pending, offer = pending_get(request), offer_get(request)
    if pending is None or offer is None:
        return redirect("resident-sign-in")
    items = consent_notice(offer)
    context: dict[str, Any] = {
        "offer": offer,
        "items": items,
        "moving_from": offer.moving_from and municipality_get(lg_code=offer.moving_from),
    }
    if request.method == "POST":
        try:
            user = services.resident_enroll(
                credential=pending,
                offer=offer,
                consented=request.POST.get("consent") == "yes",
                notice_text="\n".join(f"{k}: {v}" for k, v in items),
                language=get_language() or "ja",
                actor=Actor.from_request(request),
            )
        except AppError as error:
            context["error"] = error
            return render(request, "identity/consent.html", context, status=error.status)
        enrollment_finish(request, user, method=pending.kind)
        return redirect("resident-me")
    return render(request, "identity/consent.html", context)


def _resident(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", None) != AccountKind.RESIDENT:
        raise PermissionDenied("identity.residents_only", ja="住民の方のページです。", en="This page is for residents.")
    return request.user


@login_required(login_url="resident-sign-in")
@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    user = _resident(request)
    form = DisplayNameForm(request.POST or None, initial={"display_name": user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_rename(
                user=user, display_name=form.cleaned_data["display_name"], actor=Actor.from_request(request)
            )
        except AppError as error:
            form.add_error("display_name", f"{error.message_ja} / {error.message_en}")
        else:
            return redirect("resident-me")
    status = 422 if form.errors else 200
    return render(request, "identity/me.html", {"data": selectors.my_data(user=user), "form": form}, status=status)


@login_required(login_url="resident-sign-in")
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    user = _resident(request)
    if request.method == "GET":
        return render(request, "identity/delete.html", {"data": selectors.my_data(user=user)})
    services.resident_delete_account(user=user, actor=Actor.from_request(request))
    services.session_sign_out(request)
    return render(request, "identity/deleted.html")


@require_POST
@login_required
def session_extend(request: HttpRequest) -> JsonResponse:
    """The time-out warning's "stay signed in" (any signed-in account): the idle time counts from now."""
    services.session_touch(request)
    return JsonResponse({"idle_seconds_left": services.session_idle_left(request)})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.session_sign_out(request)
    return redirect("home")


def digital_auth_start(request: HttpRequest) -> HttpResponse:
    url, pending = oidc_services.authorization_begin(
        origin=site_origin(request), enroll=request.GET.get("enroll") == "1", ip=client_ip(request)
    )
    request.session[oidc_services.SESSION_KEY] = pending
    return redirect(url)


def digital_auth_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(oidc_services.SESSION_KEY, None)
    try:
        claims = oidc_services.authorization_complete(
            origin=site_origin(request), pending=pending, callback=request.GET.dict(), ip=client_ip(request)
        )
        outcome = oidc_services.oidc_sign_in(claims=claims)
        if outcome.user is not None:
            enrollment_finish(request, outcome.user, method=outcome.pending.kind)
            return redirect("resident-me")
        pending_keep(request, outcome.pending)
        if claims.name is None:  # first visit: ask the app again, this time for the basic facts
            return redirect(f"{request.path.removesuffix('callback/')}start/?enroll=1")
        offer_keep(request, oidc_services.oidc_enrollment_offer(claims=claims))
    except AppError as error:
        return _card_page(request, "identity/sign_in.html", ChallengePurpose.SIGN_IN, error=error)
    return redirect("resident-consent")
