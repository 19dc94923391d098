"""Pages of requests to the agency, follows and notifications, and moderation. Thin: selectors read and refuse
outsiders, services write. The tracker is public: anyone may see what was asked of the agency and how it answered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hiroba.cocreation import selectors, services
from hiroba.cocreation.models import Digest, RequestStatus
from hiroba.cocreation.views import _staff
from hiroba.core.errors import AppError
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, scope_require


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_POST
def follow_view(request: HttpRequest) -> HttpResponse:
    """Follow or stop following (`kind`, `ref`, `on` = 1 | 0), then back to the page it was pressed on."""
    actor = _staff(request)
    services.follow_set(
        actor=actor,
        kind=request.POST.get("kind", ""),
        ref=request.POST.get("ref", ""),
        on=request.POST.get("on") == "1",
    )
    return _back(request, "cocreation-notifications")


@require_http_methods(["GET", "POST"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    """My notifications (newest first) and how often I get them by e-mail. POST `action` = read | digest."""
    actor = _staff(request)
    user = selectors.staff_required(actor=actor)
    error: AppError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "digest":
                services.notification_setting_set(actor=actor, digest=request.POST.get("digest", ""))
            else:
                services.notifications_mark_read(actor=actor)
            return redirect("cocreation-notifications")
        except AppError as refused:
            error = refused
    context = {
        "notifications": selectors.notification_list(user=user),
        "unread": selectors.notification_unread(user=user),
        "digest": selectors.notification_digest(user=user),
        "digests": Digest.choices,
        "follows": selectors.follow_list(user=user),
        "error": error,
    }
    return render(request, "cocreation/notifications.html", context, status=error.status if error else 200)


@require_GET
def tracker_page(request: HttpRequest) -> HttpResponse:
    """The public tracker of requests to the agency: answer times, open requests by age, every answer."""
    return render(
        request, "cocreation/tracker.html", {"tracker": selectors.request_tracker(), "statuses": RequestStatus.choices}
    )


@require_GET
def agency_inbox_page(request: HttpRequest) -> HttpResponse:
    """The agency's open requests, oldest first."""
    actor = _staff(request)
    scope_require(actor_scope(actor), Role.AGENCY, None)
    return render(request, "cocreation/inbox.html", {"rows": selectors.agency_inbox()})


@require_POST
def report_view(request: HttpRequest) -> HttpResponse:
    """Report a post to the moderators (`kind`, `ref`, `reason`)."""
    actor = _staff(request)
    try:
        services.post_report(
            actor=actor, kind=request.POST.get("kind", ""), ref=request.POST.get("ref", ""),
            reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except AppError as refused:
        return render(request, "cocreation/refused.html", {"error": refused}, status=refused.status)
    return _back(request, "cocreation-spaces")


@require_http_methods(["GET", "POST"])
def moderation_page(request: HttpRequest) -> HttpResponse:
    """The agency's moderators: reported posts, and hiding or showing a post with a reason (`action` = hide | show)."""
    actor = _staff(request)
    scope_require(actor_scope(actor), Role.AGENCY, None)
    error: AppError | None = None
    if request.method == "POST":
        kind, ref, reason = (request.POST.get(k, "") for k in ("kind", "ref", "reason"))
        try:
            if request.POST.get("action") == "show":
                services.post_show(actor=actor, kind=kind, ref=ref, reason=reason)
            else:
                services.post_hide(actor=actor, kind=kind, ref=ref, reason=reason)
            return _back(request, "cocreation-moderation")
        except AppError as refused:
            error = refused
    context = {"queue": selectors.report_queue(), "error": error, "form": request.POST}
    return render(request, "cocreation/moderation.html", context, status=error.status if error else 200)
