"""Residents and proxies: register, accept, review and revoke proxies; act for someone within the scopes given;
opt in to outreach. Thin: services write and refuse, selectors read."""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hiroba.assist import selectors
from hiroba.assist.models import Delegation, Scope
from hiroba.assist.services import outreach, proxies
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, NotAuthenticated
from hiroba.core.models import Channel
from hiroba.identity.models import User
from hiroba.identity.web import signed_in_resident
from hiroba.wallet.selectors import wallet_view


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise NotAuthenticated("auth.required", ja="サインインしてください。", en="Please sign in.")
    return request.user


@require_http_methods(["GET", "POST"])
def assist_page(request: HttpRequest) -> HttpResponse:
    """POST `action` = offer | accept | revoke | reinstate | stop (review) | outreach_join | outreach_leave."""
    resident = signed_in_resident(request)
    user = _user(request)
    actor = Actor.from_request(request)
    error, code = None, ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "offer":
                _invitation, code = proxies.proxy_offer(
                    resident=resident,
                    scopes=request.POST.getlist("scopes"),
                    ends_on=date.fromisoformat(request.POST.get("ends_on", "")),
                    actor=actor,
                )
            elif action == "accept":
                delegation = proxies.proxy_accept(code=request.POST.get("code", ""), proxy=user, actor=actor)
                messages.success(request, _("You are now a proxy."))
                return redirect("resident-proxy", delegation_id=delegation.pk)
            elif action == "revoke":
                proxies.proxy_revoke(delegation_id=request.POST.get("delegation", ""), by=user, actor=actor)
                messages.success(request, _("The proxy was revoked. It takes effect now."))
            elif action in {"reinstate", "stop"}:
                proxies.proxy_review(
                    delegation_id=request.POST.get("delegation", ""),
                    reinstate=action == "reinstate",
                    by=user,
                    actor=actor,
                    staff=False,
                )
                messages.success(request, _("Thank you. Your choice was saved."))
            elif action == "outreach_join":
                outreach.outreach_join(resident=resident, recorded_by=user, actor=actor)
                messages.success(request, _("Thank you. The town will contact you if we do not hear from you."))
            elif action == "outreach_leave":
                outreach.outreach_leave(resident=resident, actor=actor)
                messages.success(request, _("The town will no longer contact you for outreach."))
            else:
                raise Invalid("assist.form_action", ja="この操作は行えません。", en="Unknown action.")
            if not code:
                return redirect("resident-assist")
        except AppError as problem:
            error = problem.line()
        except ValueError:
            error = Invalid("assist.term", ja="終了日を正しく入力してください。", en="Enter a valid end date.").line()
    context = {
        "resident": resident,
        "error": error,
        "code": code,
        "mine": selectors.delegations_of_resident(resident),
        "as_proxy": selectors.delegations_as_proxy(user),
        "scopes": Scope.choices,
        "outreach_joined": selectors.outreach_joined(resident),
        "default_end": date(timezone.localdate().year + 1, 3, 31),
    }
    return render(request, "assist/resident.html", context, status=422 if error else 200)


def _proxy_actor(user: User, delegation: Delegation) -> Actor:
    return Actor(
        user=user,
        channel=Channel.WEB,
        ref=f"user:{user.public_id}",
        acting_for=f"resident:{delegation.resident.pairwise_id}",
    )


@require_http_methods(["GET", "POST"])
def proxy_page(request: HttpRequest, delegation_id: str) -> HttpResponse:
    """A proxy acts for the resident. POST `action` = convert | paper | card; each checked against the scopes."""
    user = _user(request)
    actor = Actor.from_request(request)
    today = timezone.localdate()
    delegation = proxies.delegation_check(delegation_id=delegation_id, scope=None, on=today, actor=actor, proxy=user)
    acting = _proxy_actor(user, delegation)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "convert":
                points = int(request.POST.get("points", "").strip())
                proxies.proxy_convert(
                    delegation_id=delegation.pk,
                    proxy=user,
                    points=points,
                    key=f"proxy:{delegation.pk}:{request.POST.get('token', '')}",
                    on=today,
                    actor=acting,
                )
                messages.success(request, _("%(points)s points converted.") % {"points": points})
            elif action == "paper":
                day = date.fromisoformat(request.POST.get("day", ""))
                steps = int(request.POST.get("steps", "").strip())
                summary = proxies.proxy_paper_steps(
                    delegation_id=delegation.pk, proxy=user, entries=[(day, steps)], on=today, actor=acting
                )
                messages.success(request, summary.line())
            elif action == "card":
                card, pdf = proxies.proxy_card_issue(
                    delegation_id=delegation.pk,
                    proxy=user,
                    pin=request.POST.get("pin", ""),
                    daily_limit=int(request.POST.get("daily_limit", "").strip()),
                    on=today,
                    actor=acting,
                )
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="card-{card.pk}.pdf"'
                response["Cache-Control"] = "private, no-store"
                return response
            else:
                raise Invalid("assist.form_action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("resident-proxy", delegation_id=delegation.pk)
        except AppError as problem:
            error = problem.line()
        except ValueError:
            error = Invalid("assist.form", ja="入力内容を確かめてください。", en="Check what you entered.").line()
    scopes = set(delegation.scopes)
    context = {
        "delegation": delegation,
        "person": delegation.resident.person,
        "error": error,
        "wallet": wallet_view(resident=delegation.resident, on=today, history=0) if Scope.BALANCE in scopes else None,
        "can": {s: s in scopes for s in Scope.values},
        "token": secrets.token_urlsafe(12),
        "today": today,
    }
    return render(request, "assist/proxy.html", context, status=422 if error else 200)
