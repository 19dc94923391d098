"""Staff and merchant sign-in pages: passkeys, invitation links, e-mail codes, the development-only password form,
the own-passkeys page and "sign out everywhere". Thin: parse, call a service, render.

The WebAuthn endpoints speak JSON and answer a refusal with `{"code": ..., "message": {"ja": ..., "en": ...}}` and the
refusal's status. A ceremony's challenge lives in the browser session, for five minutes, and is taken out on use.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, NotAuthenticated, PermissionDenied
from hiroba.identity.models import AccountKind, User
from hiroba.identity.origin import site_origin, site_rp_id
from hiroba.identity.selectors.passkeys import passkey_list
from hiroba.identity.services import passkeys as services
from hiroba.identity.services.sessions import session_sign_in, session_sign_out, session_sign_out_everywhere
from hiroba.identity.web import client_ip

RP_NAME = "Hiroba"
AUTHENTICATION = "hiroba_passkey_authentication"
REGISTRATION = "hiroba_passkey_registration"
EMAIL = "hiroba_email_code_address"
CHALLENGE_MAX_AGE = 5 * 60

JsonView = Callable[..., HttpResponse]


# ------------------------------------------------------------------------------------------------ helpers


def _json_endpoint(view: JsonView) -> JsonView:
    """Refusals as the JSON error body (the pages' error middleware would answer with HTML)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except AppError as error:
            response = JsonResponse(error.as_dict(), status=error.status)
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def _body(request: HttpRequest) -> dict[str, Any]:
    """The posted JSON object; anything else is an empty object, which the services refuse (and audit)."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _credential(body: dict[str, Any]) -> str:
    return json.dumps(body.get("credential"))


def _keep_challenge(request: HttpRequest, key: str, challenge: bytes, **bound: Any) -> None:
    request.session[key] = {"challenge": base64.urlsafe_b64encode(challenge).decode(), "at": int(time.time()), **bound}


def _take_challenge(request: HttpRequest, key: str, **bound: Any) -> bytes:
    """The ceremony's challenge, used up. Empty when there is none, it is stale or it was issued for something else."""
    state = request.session.pop(key, None)
    if not isinstance(state, dict) or int(time.time()) - int(state.get("at", 0)) > CHALLENGE_MAX_AGE:
        return b""
    if any(state.get(name) != value for name, value in bound.items()):
        return b""
    try:
        return base64.urlsafe_b64decode(str(state.get("challenge", "")))
    except (binascii.Error, ValueError):
        return b""


def _options_response(options_json: str) -> HttpResponse:
    return HttpResponse(options_json, content_type="application/json")


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated("identity.sign_in_required", ja="ログインしてください。", en="Please sign in.")
    if user.kind == AccountKind.RESIDENT:
        raise PermissionDenied(
            "identity.staff_and_merchants_only",
            ja="職員と事業者のためのページです。",
            en="This page is for staff and merchants.",
        )
    return user


def _landing(request: HttpRequest, next_url: str, user: User) -> str:
    """Where a fresh sign-in goes: the page asked for (same site only), else the account's home."""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    homes = {AccountKind.STAFF: "staff-home", AccountKind.MERCHANT: "shop-home", AccountKind.RESIDENT: "wallet-home"}
    return reverse(homes.get(AccountKind(user.kind), "home"))


# ------------------------------------------------------------------------------------------------ staff sign-in


def _login_page(request: HttpRequest, *, next_url: str, error: AppError | None = None) -> HttpResponse:
    context = {
        "next": next_url,
        "password_allowed": settings.STAFF_PASSWORD_SIGN_IN,
        "username": request.POST.get("username", ""),
        "error": error,
    }
    return render(request, "identity/staff_login.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    """The passkey button and, on developers' machines only, the password form below it."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "GET":
        return _login_page(request, next_url=next_url)
    try:
        services.sign_in_throttle(ip=client_ip(request), step="password")
        user = services.password_authenticate(
            username=request.POST.get("username", ""), password=request.POST.get("password", "")
        )
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        return _login_page(request, next_url=next_url, error=error)
    session_sign_in(request, user, method="password")
    return redirect(_landing(request, next_url, user))


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    session_sign_out(request)
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@require_POST
@_json_endpoint
def passkey_options(request: HttpRequest) -> HttpResponse:
    services.sign_in_throttle(ip=client_ip(request), step="passkey_options")
    options, challenge = services.passkey_authentication_options(rp_id=site_rp_id(request))
    _keep_challenge(request, AUTHENTICATION, challenge)
    return _options_response(options)


@require_POST
@_json_endpoint
def passkey_verify(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    challenge = _take_challenge(request, AUTHENTICATION)
    services.sign_in_throttle(ip=client_ip(request), step="passkey")
    user = services.passkey_authenticate(
        credential_json=_credential(body), challenge=challenge, rp_id=site_rp_id(request), origin=site_origin(request)
    )
    session_sign_in(request, user, method="passkey")
    return JsonResponse({"redirect": _landing(request, str(body.get("next") or ""), user)})


# ------------------------------------------------------------------------------------------------ invitations


@require_GET
@never_cache
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    services.sign_in_throttle(ip=client_ip(request), step="invitation")
    invitee = services.invitation_redeem_begin(token=token)
    return render(request, "identity/staff_invitation.html", {"invitee": invitee, "token": token})


@require_POST
@_json_endpoint
def invitation_options(request: HttpRequest, token: str) -> HttpResponse:
    services.sign_in_throttle(ip=client_ip(request), step="invitation_options")
    user = services.invitation_redeem_begin(token=token)
    options, challenge = services.passkey_registration_options(user=user, rp_id=site_rp_id(request), rp_name=RP_NAME)
    _keep_challenge(request, REGISTRATION, challenge, user=user.pk, invitation=True)
    return _options_response(options)


@require_POST
@_json_endpoint
def invitation_verify(request: HttpRequest, token: str) -> HttpResponse:
    body = _body(request)
    services.sign_in_throttle(ip=client_ip(request), step="invitation_verify")
    user = services.invitation_redeem_begin(token=token)
    services.passkey_register(
        user=user,
        credential_json=_credential(body),
        challenge=_take_challenge(request, REGISTRATION, user=user.pk, invitation=True),
        rp_id=site_rp_id(request),
        origin=site_origin(request),
        name=str(body.get("name") or ""),
        invitation_token=token,
    )
    session_sign_in(request, user, method="passkey")
    messages.success(request, _("Your passkey has been created and you are signed in."))
    return JsonResponse({"redirect": reverse("staff-passkeys")})


# ------------------------------------------------------------------------------------------------ own passkeys


class PasskeyForm(forms.Form):
    passkey = forms.IntegerField(min_value=1)
    name = forms.CharField(required=False, max_length=services.PASSKEY_NAME_MAX)


def _passkeys_page(request: HttpRequest, user: User, *, error: AppError | None = None) -> HttpResponse:
    context = {"passkeys": passkey_list(user=user), "error": error}
    return render(request, "identity/staff_passkeys.html", context, status=error.status if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def passkeys_page(request: HttpRequest) -> HttpResponse:
    """The account's passkeys: add one (WebAuthn), rename or delete one (plain forms), sign out everywhere."""
    user = _signed_in(request)
    if request.method == "GET":
        return _passkeys_page(request, user)
    form = PasskeyForm(request.POST)
    action = request.POST.get("action")
    try:
        if not form.is_valid() or action not in {"rename", "delete"}:
            raise Invalid("identity.form_invalid", ja="入力内容が正しくありません。", en="The form is not valid.")
        actor = Actor.from_request(request)
        if action == "rename":
            services.passkey_rename(
                user=user, passkey_id=form.cleaned_data["passkey"], name=form.cleaned_data["name"], actor=actor
            )
            messages.success(request, _("The passkey has been renamed."))
        else:
            services.passkey_delete(user=user, passkey_id=form.cleaned_data["passkey"], actor=actor)
            messages.success(request, _("The passkey has been deleted."))
    except AppError as error:
        return _passkeys_page(request, user, error=error)
    return redirect("staff-passkeys")


@require_POST
@_json_endpoint
def passkeys_add_options(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    options, challenge = services.passkey_registration_options(user=user, rp_id=site_rp_id(request), rp_name=RP_NAME)
    _keep_challenge(request, REGISTRATION, challenge, user=user.pk, invitation=False)
    return _options_response(options)


@require_POST
@_json_endpoint
def passkeys_add_verify(request: HttpRequest) -> HttpResponse:
    user = _signed_in(request)
    body = _body(request)
    services.passkey_register(
        user=user,
        credential_json=_credential(body),
        challenge=_take_challenge(request, REGISTRATION, user=user.pk, invitation=False),
        rp_id=site_rp_id(request),
        origin=site_origin(request),
        name=str(body.get("name") or ""),
    )
    messages.success(request, _("The passkey has been added."))
    return JsonResponse({"redirect": reverse("staff-passkeys")})


@login_required
@require_POST
def signout_everywhere(request: HttpRequest) -> HttpResponse:
    session_sign_out_everywhere(request, user=_signed_in(request))
    return redirect("staff-login")


# ------------------------------------------------------------------------------------------------ merchants


class EmailForm(forms.Form):
    email = forms.EmailField(max_length=254)


def _merchant_page(request: HttpRequest, *, error: AppError | None = None) -> HttpResponse:
    context = {
        "email": request.session.get(EMAIL, ""),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "error": error,
    }
    return render(request, "identity/merchant_login.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def merchant_login(request: HttpRequest) -> HttpResponse:
    """E-mail address, then the 6-digit code sent to it: two plain forms. The passkey button works here too."""
    if request.method == "GET":
        return _merchant_page(request)
    action = request.POST.get("action")
    if action == "restart":
        request.session.pop(EMAIL, None)
        return redirect("merchant-login")
    try:
        if action == "send":
            form = EmailForm(request.POST)
            if not form.is_valid():
                raise Invalid(
                    "identity.email_invalid",
                    ja="メールアドレスを正しく入力してください。",
                    en="Please enter a valid e-mail address.",
                )
            services.sign_in_throttle(ip=client_ip(request), step="email_code_send")
            services.email_code_send(email=form.cleaned_data["email"])
            # The same answer whether or not the address belongs to an account.
            request.session[EMAIL] = form.cleaned_data["email"]
            return redirect("merchant-login")
        email = request.session.get(EMAIL)
        if action != "verify" or not email:
            return redirect("merchant-login")
        services.sign_in_throttle(ip=client_ip(request), step="email_code")
        user = services.email_code_verify(email=email, code=request.POST.get("code", ""))
    except AppError as error:
        return _merchant_page(request, error=error)
    request.session.pop(EMAIL, None)
    session_sign_in(request, user, method="email_code")
    return redirect(_landing(request, request.POST.get("next", ""), user))
