"""The resident's health page: consent to each source, upload an export, see daily steps and the points each day
earned, the checkups recorded, and delete the step history. Works without JavaScript; the chart is CSS bars
beside a table that carries the same figures."""

from __future__ import annotations

from typing import BinaryIO, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid, PermissionDenied
from hiroba.health import selectors, services
from hiroba.health.rules import COMPONENTS
from hiroba.health.sources import SOURCES
from hiroba.identity.models import Resident
from hiroba.identity.services import consent_grant, consent_withdraw
from hiroba.identity.web import signed_in_resident

SIGN_IN = "resident-sign-in"
NOTICE_VERSION = "2026-11"
SOURCE_LABELS = {
    "apple_health": gettext_lazy("Apple Health (iPhone, Apple Watch)"),
    "health_connect": gettext_lazy("Health Connect (Android)"),
    "google_fit": gettext_lazy("Google Fit"),
    "paper": gettext_lazy("Paper pedometer log (entered at the counter)"),
    "checkups": gettext_lazy("Checkups and cancer screenings"),
}
NOTICE = gettext_lazy(
    "The town keeps only your daily step totals from this source (never the raw records) and, for checkups, "
    "only that you had one, its kind and date: never the results. They are used to award health points. "
    "You can withdraw at any time; data already received stays until you delete it."
)
COMPONENT_LABELS = {
    "steps": gettext_lazy("steps"),
    "streak": gettext_lazy("streak"),
    "first_participation": gettext_lazy("first time"),
    "checkup:tokutei": gettext_lazy("checkup"),
}
STATUS_LABELS = {
    "counted": gettext_lazy("Counted"),
    "held": gettext_lazy("Being checked by the town"),
    "rejected": gettext_lazy("Not counted"),
}


def _page(request: HttpRequest, resident: Resident, *, error: AppError | None = None) -> HttpResponse:
    activity = selectors.resident_activity(resident=resident, today=timezone.localdate())
    context = {
        "activity": activity,
        "days": [
            {
                "day": d.day,
                "steps": d.steps,
                "status": STATUS_LABELS.get(d.status, ""),
                "held": d.status == "held",
                "points": d.total,
                "parts": [
                    (COMPONENT_LABELS.get(c, gettext_lazy("screening")), d.points[c])
                    for c in COMPONENTS
                    if c in d.points
                ],
            }
            for d in activity.days
        ],
        "sources": [(s, SOURCE_LABELS[s], activity.consents[s]) for s in SOURCES],
        "notice": NOTICE,
        "partners": selectors.town_partners(lg_code=resident.municipality_id),
        "error": error,
    }
    return render(request, "health/resident.html", context, status=error.status if error else 200)


@login_required(login_url=SIGN_IN)
@require_GET
def health_home(request: HttpRequest) -> HttpResponse:
    return _page(request, signed_in_resident(request))


@login_required(login_url=SIGN_IN)
@require_POST
def health_upload(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    upload = request.FILES.get("export")
    try:
        if upload is None:
            raise Invalid("health.no_file", ja="ファイルを選んでください。", en="Choose a file.")
        summary = services.steps_import(
            resident=resident, upload=cast("BinaryIO", upload), actor=Actor.from_request(request)
        )
    except AppError as error:
        if isinstance(error, PermissionDenied) and error.code != "health.no_consent":
            raise
        return _page(request, resident, error=error)
    messages.success(
        request,
        _("%(imported)s days imported, %(skipped)s unchanged, %(held)s being checked by the town.")
        % {"imported": summary.imported, "skipped": summary.skipped, "held": summary.held},
    )
    return redirect("health-home")


@login_required(login_url=SIGN_IN)
@require_POST
def health_consent(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    source = request.POST.get("source", "")
    if source not in SOURCES:
        raise Invalid("health.unknown_source", ja="不明なデータ源です。", en="Unknown source.")
    actor = Actor.from_request(request)
    if request.POST.get("consent") == "on":
        consent_grant(
            resident=resident,
            purpose=services.consent_purpose(source),
            notice_version=NOTICE_VERSION,
            notice_text=str(NOTICE),
            language=request.LANGUAGE_CODE,
            actor=actor,
        )
        messages.success(request, _("Consent recorded: %(source)s.") % {"source": SOURCE_LABELS[source]})
    else:
        consent_withdraw(resident=resident, purpose=services.consent_purpose(source), actor=actor)
        messages.success(request, _("Consent withdrawn: %(source)s.") % {"source": SOURCE_LABELS[source]})
    return redirect("health-home")


@login_required(login_url=SIGN_IN)
@require_POST
def health_delete_steps(request: HttpRequest) -> HttpResponse:
    resident = signed_in_resident(request)
    if request.POST.get("confirm") != "yes":
        return _page(
            request,
            resident,
            error=Invalid("health.confirm", ja="確認欄にチェックしてください。", en="Tick the box to confirm."),
        )
    removed = services.steps_delete(resident=resident, actor=Actor.from_request(request))
    messages.success(request, _("Your step history was deleted (%(days)s days).") % {"days": removed})
    return redirect("health-home")


@login_required(login_url=SIGN_IN)
@require_POST
def health_partner_link(request: HttpRequest) -> HttpResponse:
    """Link the resident's account at a partner service of their town (and consent to its data)."""
    resident = signed_in_resident(request)
    try:
        services.partner_link(
            resident=resident,
            slug=request.POST.get("partner", ""),
            user=request.POST.get("user", ""),
            notice_text=str(NOTICE),
            language=request.LANGUAGE_CODE,
            actor=Actor.from_request(request),
        )
    except AppError as error:
        return _page(request, resident, error=error)
    messages.success(request, _("The partner service was linked."))
    return redirect("health-home")
