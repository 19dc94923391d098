"""The counter's pages: start an assisted session with the resident's own card, act for them within it, print
the receipt; the support-measure flag and delegations awaiting review; the outreach call list. Thin: selectors
read and refuse other towns' staff, services write."""

from __future__ import annotations

import secrets
from datetime import date
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hiroba.assist import selectors
from hiroba.assist.formats.receipt import receipt_pdf
from hiroba.assist.models import AssistSession, ContactChannel, Outcome, Scope
from hiroba.assist.services import channels, outreach, proxies, sessions
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.core.models import Channel
from hiroba.health import services as health
from hiroba.identity import services as identity
from hiroba.identity.models import ChallengePurpose, User
from hiroba.identity.origin import site_origin
from hiroba.identity.selectors import resident_current, town_resident
from hiroba.identity.web import client_ip, posted_card_proof, session_key
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import Municipality, Role
from hiroba.tenancy.selectors import municipality_get, staff_scope
from hiroba.wallet import selectors as wallet_selectors
from hiroba.wallet.selectors import wallet_view
from hiroba.wallet.services import cards, money

COUNTER_ROLES = (Role.COUNTER, Role.ADMIN)
CONSENT_JA = (
    "窓口の職員が、このあと{minutes}分まで、わたしに代わってひろばを操作することに同意します。"
    "職員はわたしの暗証番号を知らず、健康の記録を見ることも、投票をすることもありません。"
)
CONSENT_EN = (
    "I agree that the counter clerk operates Hiroba for me for up to {minutes} minutes from now. The clerk does not "
    "learn my PIN, and neither sees my health records nor votes."
)


def _town(request: HttpRequest, lg_code: str) -> Municipality:
    m = municipality_get(lg_code=lg_code)
    scope = staff_scope(user=request.user)
    if not any(scope.has(role, m.lg_code) for role in COUNTER_ROLES):
        raise tenancy_errors.forbidden(m.lg_code)
    return m


def consent_text() -> str:
    text = CONSENT_EN if get_language() == "en" else CONSENT_JA
    return text.format(minutes=sessions.session_minutes())


def _staff_user(request: HttpRequest) -> User:
    return cast("User", request.user)  # login_required: a signed-in account


# ---------------------------------------------------------------- starting a session


@login_required
@require_http_methods(["GET", "POST"])
def counter_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """Start a session: the resident signs with their own card and PIN at this terminal, after agreeing."""
    m = _town(request, lg_code)
    staff = _staff_user(request)
    error = None
    if request.method == "POST":
        actor = Actor.from_request(request, channel=Channel.COUNTER)
        try:
            outcome = identity.jpki_sign_in(
                proof=posted_card_proof(request),
                origin=site_origin(request),
                session_key=session_key(request),
                ip=client_ip(request),
                channel=Channel.COUNTER,
            )
            resident = resident_current(user=outcome.user) if outcome.user is not None else None
            session = sessions.session_start(
                municipality=m,
                staff=staff,
                resident=resident,
                reason=request.POST.get("reason", ""),
                consented=request.POST.get("consented") == "yes",
                consent_text=consent_text(),
                actor=actor,
            )
            return redirect("staff-assist-session", lg_code=m.lg_code, session_id=session.pk)
        except AppError as problem:
            error = problem.line()
    context = {
        "m": m,
        "error": error,
        "open_sessions": selectors.sessions_open(staff=staff),
        "consent": consent_text(),
        "reason": request.POST.get("reason", ""),
        "nonce": identity.challenge_issue(session_key=session_key(request), purpose=ChallengePurpose.SIGN_IN),
        "origin": site_origin(request),
        "test_rig": settings.TEST_RIG,
        "keys": ["auth"],
    }
    return render(request, "assist/counter.html", context, status=422 if error else 200)


# ---------------------------------------------------------------- acting in a session


def _session(request: HttpRequest, m: Municipality, session_id: str) -> AssistSession:
    actor = Actor.from_request(request, channel=Channel.COUNTER)
    session = sessions.session_usable(session_id=session_id, staff=_staff_user(request), actor=actor)
    if session.municipality_id != m.lg_code:
        raise tenancy_errors.forbidden(m.lg_code)
    return session


def _session_context(m: Municipality, session: AssistSession) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "m": m,
        "session": session,
        "resident": session.resident,
        "wallet": wallet_view(resident=session.resident, on=today, history=5),
        "acts": [selectors.act_sentence(a.kind, a.data) for a in session.acts.all()],
        "cards": wallet_selectors.cards_of(resident=session.resident),
        "outreach_joined": selectors.outreach_joined(session.resident),
        "contact": selectors.contact_preference_of(session.resident),
        "channels": ContactChannel.choices,
        "scopes": Scope.choices,
        "token": secrets.token_urlsafe(12),
        "today": today,
    }


@login_required
@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, lg_code: str, session_id: str) -> HttpResponse:
    """The clerk acts for the resident. POST `action` = convert | paper | card | card_suspend | card_resume |
    card_lost | proxy | contact | outreach_join | outreach_leave | end."""
    m = _town(request, lg_code)
    session = _session(request, m, session_id)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "end":
                sessions.session_end(session=session, actor=sessions.counter_actor(session))
                return redirect("staff-assist-ended", lg_code=m.lg_code, session_id=session.pk)
            result = _act(request, session, action)
            if isinstance(result, HttpResponse):
                return result
            messages.success(request, result)
            return redirect("staff-assist-session", lg_code=m.lg_code, session_id=session.pk)
        except AppError as problem:
            error = problem.line()
        except ValueError:
            error = Invalid("assist.form", ja="入力内容を確かめてください。", en="Check what you entered.").line()
    context = {**_session_context(m, session), "error": error}
    return render(request, "assist/session.html", context, status=422 if error else 200)


def _number(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "").strip().replace(",", "")
    return int(value)


def _act(request: HttpRequest, session: AssistSession, action: str) -> str | HttpResponse:
    """One act for the resident, then its line on the receipt. Returns the message, or a file to download."""
    actor = sessions.counter_actor(session)
    resident = session.resident
    today = timezone.localdate()
    kind, data, message = "", {}, ""
    if action == "convert":
        points = _number(request, "points")
        journal = money.points_convert(
            resident=resident,
            points=points,
            key=f"assist:{session.pk}:{request.POST.get('token', '')}",
            on=today,
            actor=actor,
        )
        coins = money.conversion_quote(resident=resident, points=points)
        kind, data = "convert", {"points": points, "coins": coins, "journal": journal.key}
        message = _("%(points)s points converted into ¥%(coins)s.") % {"points": points, "coins": coins}
    elif action == "paper":
        day = date.fromisoformat(request.POST.get("day", ""))
        summary = health.paper_steps_enter(resident=resident, entries=[(day, _number(request, "steps"))], actor=actor)
        kind, data, message = "paper_steps", {"days": 1}, summary.line()
    elif action == "card":
        card, pdf = cards.card_issue(
            resident=resident,
            pin=request.POST.get("pin", ""),
            daily_limit=_number(request, "daily_limit"),
            actor=actor,
        )
        sessions.session_act_record(
            session=session, kind="card_issued", data={"card": card.pk, "daily_limit": card.daily_limit}
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="card-{card.pk}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
    elif action in {"card_suspend", "card_resume", "card_lost"}:
        card_id = request.POST.get("card_id", "")
        if not any(c.pk == card_id for c in wallet_selectors.cards_of(resident=resident)):
            raise Invalid("assist.card_not_theirs", ja="この方のカードではありません。", en="Not this resident's card.")
        if action == "card_lost":
            cards.card_report_lost(card_id=card_id, actor=actor)
        else:
            cards.card_suspend(card_id=card_id, suspended=action == "card_suspend", actor=actor)
        kind = {"card_suspend": "card_suspended", "card_resume": "card_resumed", "card_lost": "card_lost"}[action]
        data, message = {"card": card_id}, _("Card %(card)s updated.") % {"card": card_id}
    elif action == "proxy":
        ends_on = date.fromisoformat(request.POST.get("ends_on", ""))
        _invitation, code = proxies.proxy_offer(
            resident=resident,
            scopes=request.POST.getlist("scopes"),
            ends_on=ends_on,
            evidence=request.POST.get("evidence", ""),
            actor=actor,
        )
        kind, data = "proxy_offered", {"ends_on": f"{ends_on:%Y年%m月%d日}"}
        message = _("Give this code to the proxy: %(code)s (valid for 48 hours).") % {"code": code}
    elif action == "contact":
        channels.contact_preference_set(
            resident=resident,
            channel=request.POST.get("channel", ""),
            phone=request.POST.get("phone", ""),
            postal_code=request.POST.get("postal_code", ""),
            address=request.POST.get("address", ""),
            actor=actor,
        )
        kind, message = "contact_changed", _("Saved how the town contacts the resident.")
    elif action == "outreach_join":
        outreach.outreach_join(resident=resident, recorded_by=session.staff, actor=actor)
        kind, message = "outreach_joined", _("Signed up for outreach.")
    elif action == "outreach_leave":
        outreach.outreach_leave(resident=resident, actor=actor)
        kind, message = "outreach_left", _("Outreach ended.")
    else:
        raise Invalid("assist.form_action", ja="この操作は行えません。", en="Unknown action.")
    sessions.session_act_record(session=session, kind=kind, data=data)
    return message


@login_required
def session_ended_page(request: HttpRequest, lg_code: str, session_id: str) -> HttpResponse:
    m = _town(request, lg_code)
    session = selectors.session_of(staff=_staff_user(request), session_id=session_id, lg_code=m.lg_code)
    return render(request, "assist/session_ended.html", {"m": m, "session": session})


@login_required
def receipt_page(request: HttpRequest, lg_code: str, session_id: str) -> HttpResponse:
    """The take-home receipt (PDF, large print), during or after the session."""
    m = _town(request, lg_code)
    session = selectors.session_of(staff=_staff_user(request), session_id=session_id, lg_code=m.lg_code)
    response = HttpResponse(receipt_pdf(selectors.session_receipt(session)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{session.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- support measures and reviews


@login_required
@require_http_methods(["GET", "POST"])
def residents_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """POST `action` = flag | unflag (by pairwise ID) | reinstate | revoke (a suspended delegation)."""
    m = _town(request, lg_code)
    error = None
    if request.method == "POST":
        actor = Actor.from_request(request, channel=Channel.COUNTER)
        action = request.POST.get("action", "")
        try:
            if action in {"flag", "unflag"}:
                resident = town_resident(lg_code=m.lg_code, pairwise_id=request.POST.get("resident", "").strip())
                if action == "flag":
                    proxies.support_measure_set(resident=resident, actor=actor)
                    messages.success(request, _("Support measure set. The resident's proxies are suspended."))
                else:
                    proxies.support_measure_lift(resident=resident, actor=actor)
                    messages.success(request, _("Support measure lifted. Suspended proxies still need a review."))
            elif action in {"reinstate", "revoke"}:
                delegation_id = request.POST.get("delegation", "")
                if not any(d.pk == delegation_id for d in selectors.delegations_to_review(lg_code=m.lg_code)):
                    raise Invalid(
                        "assist.delegation_unknown", ja="確認待ちの代理ではありません。", en="Not awaiting review."
                    )
                proxies.proxy_review(
                    delegation_id=delegation_id,
                    reinstate=action == "reinstate",
                    by=_staff_user(request),
                    actor=actor,
                    staff=True,
                )
                messages.success(request, _("Delegation reviewed."))
            else:
                raise Invalid("assist.form_action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("staff-assist-residents", lg_code=m.lg_code)
        except AppError as problem:
            error = problem.line()
    context = {
        "m": m,
        "error": error,
        "flagged": selectors.flagged_residents(lg_code=m.lg_code),
        "to_review": selectors.delegations_to_review(lg_code=m.lg_code),
    }
    return render(request, "assist/residents.html", context, status=422 if error else 200)


# ---------------------------------------------------------------- outreach


DEFAULT_IDLE_DAYS = 30


def _idle_days(request: HttpRequest) -> int:
    try:
        return max(1, min(365, int(request.GET.get("idle_days", DEFAULT_IDLE_DAYS))))
    except ValueError:
        return DEFAULT_IDLE_DAYS


@login_required
@require_http_methods(["GET", "POST"])
def outreach_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """The call list of residents who opted in; POST logs a contact."""
    m = _town(request, lg_code)
    idle_days = _idle_days(request)
    error = None
    if request.method == "POST":
        try:
            follow_up = request.POST.get("follow_up_on", "").strip()
            outreach.outreach_contact_log(
                lg_code=m.lg_code,
                enrollment_id=_number(request, "enrollment"),
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
                follow_up_on=date.fromisoformat(follow_up) if follow_up else None,
                staff=_staff_user(request),
                actor=Actor.from_request(request, channel=Channel.COUNTER),
            )
            messages.success(request, _("Contact logged."))
            return redirect(f"{request.path}?idle_days={idle_days}")
        except AppError as problem:
            error = problem.line()
        except ValueError:
            error = Invalid("assist.form", ja="入力内容を確かめてください。", en="Check what you entered.").line()
    context = {
        "m": m,
        "error": error,
        "idle_days": idle_days,
        "rows": selectors.call_list(lg_code=m.lg_code, idle_days=idle_days, on=timezone.localdate()),
        "recent": selectors.outreach_contacts(lg_code=m.lg_code),
        "outcomes": Outcome.choices,
        "today": timezone.localdate(),
    }
    return render(request, "assist/outreach.html", context, status=422 if error else 200)


@login_required
@require_POST
def outreach_export_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    m = _town(request, lg_code)
    idle_days = _idle_days(request)
    try:
        data = outreach.outreach_export(
            lg_code=m.lg_code,
            idle_days=idle_days,
            reason=request.POST.get("reason", ""),
            on=timezone.localdate(),
            actor=Actor.from_request(request, channel=Channel.COUNTER),
        )
    except AppError as problem:
        messages.error(request, problem.line())
        return redirect(f"{request.path.rsplit('export/', 1)[0]}?idle_days={idle_days}")
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outreach-{m.lg_code}-{timezone.localdate()}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
