"""A town's health staff: the point rule (shown, checked, simulated on the last four weeks of real data against the
rule in force and the budget, then adopted from a date) and the days held for review. Thin: forms parse, selectors
read and refuse other towns' staff, services write."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import BinaryIO, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Invalid
from hiroba.health import fraud, selectors, services
from hiroba.health.models import RuleVersion
from hiroba.identity.selectors import town_resident
from hiroba.tenancy.selectors import municipality_get, staff_scope


class RuleForm(forms.Form):
    document = forms.CharField(label=gettext_lazy("Rule (JSON)"), widget=forms.Textarea(attrs={"class": "health-rule"}))
    valid_from = forms.DateField(label=gettext_lazy("Applies from"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


def _refusal(error: AppError) -> str:
    return f"{error.message_ja} / {error.message_en} ({error.code})"


def _document(form: RuleForm) -> object:
    try:
        return json.loads(form.cleaned_data["document"])
    except json.JSONDecodeError as error:
        raise Invalid(
            "health.rule_json",
            ja=f"JSON として読めません（{error.lineno} 行目）。",
            en=f"The rule is not valid JSON (line {error.lineno}).",
        ) from None


def _initial(versions: list[RuleVersion], today: date) -> dict[str, object]:
    current = versions[0].document if versions else {"version": 1, "step_tiers": []}
    return {"document": json.dumps(current, ensure_ascii=False, indent=2), "valid_from": today + timedelta(days=1)}


@login_required
def rules_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """GET: the rule versions and the editor. POST `action` = check (validate and simulate) | adopt."""
    m = municipality_get(lg_code=lg_code)
    scope = staff_scope(user=request.user)
    versions = selectors.town_rules(scope=scope, lg_code=m.lg_code)
    today = timezone.localdate()
    form = RuleForm(request.POST or None, initial=_initial(versions, today))
    comparison = None
    problems: list[dict[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            document = _document(form)
            if request.POST.get("action") == "adopt":
                version = services.rule_version_add(
                    municipality=m,
                    document=document,
                    valid_from=form.cleaned_data["valid_from"],
                    note=form.cleaned_data["note"],
                    actor=Actor.from_request(request),
                )
                messages.success(
                    request,
                    _("Version %(number)s adopted from %(day)s.")
                    % {"number": version.number, "day": version.valid_from.isoformat()},
                )
                return redirect("staff-health-rules", lg_code=m.lg_code)
            comparison = selectors.rule_simulate(scope=scope, lg_code=m.lg_code, document=document, today=today)
        except AppError as error:
            problems = list(error.detail.get("problems", []))
            form.add_error(None, _refusal(error))
    context: dict[str, object] = {
        "m": m,
        "versions": versions,
        "form": form,
        "comparison": comparison,
        "problems": problems,
    }
    if comparison is not None:
        current = comparison.current
        context |= {
            "draft_cost": comparison.cost(comparison.draft),
            "current_cost": comparison.cost(current),
            "components": [
                (component, points, current.by_component[component] if current else None)
                for component, points in comparison.draft.by_component.items()
            ],
        }
    return render(request, "health/staff_rules.html", context, status=422 if form.errors else 200)


@login_required
def review_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """GET: the days held for review. POST approve/reject one day with a reason."""
    m = municipality_get(lg_code=lg_code)
    scope = staff_scope(user=request.user)
    days = selectors.held_days(scope=scope, lg_code=m.lg_code)
    error = None
    if request.method == "POST":
        try:
            day_id = int(request.POST.get("day", "0"))
            services.day_review(
                lg_code=m.lg_code,
                day_id=day_id,
                approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""),
                actor=Actor.from_request(request),
            )
            messages.success(request, _("The day was decided."))
            return redirect("staff-health-review", lg_code=m.lg_code)
        except (AppError, ValueError) as problem:
            error = _refusal(problem) if isinstance(problem, AppError) else _("Unknown day.")
    english = request.LANGUAGE_CODE == "en"
    rows = [{"day": d, "reasons": [fraud.REASONS[r][1 if english else 0] for r in d.hold_reasons]} for d in days]
    return render(
        request, "health/staff_review.html", {"m": m, "rows": rows, "error": error}, status=422 if error else 200
    )


@login_required
def dashboard_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """Participation by age band, the average daily steps of the last four weeks, and the year's points against
    the budget."""
    m = municipality_get(lg_code=lg_code)
    board = selectors.town_dashboard(
        scope=staff_scope(user=request.user), lg_code=m.lg_code, today=timezone.localdate()
    )
    most = max((steps or 0 for _, steps in board.average_steps), default=0)
    return render(request, "health/staff_dashboard.html", {"m": m, "board": board, "most": most or 1})


@login_required
def agency_page(request: HttpRequest) -> HttpResponse:
    """The agency's anonymous roll-up across municipalities (towns with fewer than 10 participants not shown)."""
    rows = selectors.agency_rollup(scope=staff_scope(user=request.user), today=timezone.localdate())
    return render(request, "health/agency.html", {"rows": rows, "small": selectors.SMALL_GROUP})


@login_required
def imports_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    """Health staff upload the insurance section's card list, a 特定健診 archive or a screening CSV, and counter
    staff type in a resident's paper pedometer log. POST `action` = links | checkups | paper."""
    m = municipality_get(lg_code=lg_code)
    scope = staff_scope(user=request.user)
    action = request.POST.get("action", "")
    if action == "paper":
        selectors.counter_require(scope, m.lg_code)
    else:
        selectors.town_require(scope, m.lg_code)
    error = None
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            upload = request.FILES.get("file")
            if action in {"links", "checkups"} and upload is None:
                raise Invalid("health.no_file", ja="ファイルを選んでください。", en="Choose a file.")
            if action == "links":
                count = services.member_links_import(municipality=m, upload=cast("BinaryIO", upload), actor=actor)
                messages.success(request, _("%(count)s insurance cards linked.") % {"count": count})
            elif action == "checkups":
                checkups = services.checkups_import(municipality=m, upload=cast("BinaryIO", upload), actor=actor)
                messages.success(request, checkups.line())
            elif action == "paper":
                resident = town_resident(lg_code=m.lg_code, pairwise_id=request.POST.get("resident", ""))
                day = date.fromisoformat(request.POST.get("day", ""))
                steps = int(request.POST.get("steps", ""))
                summary = services.paper_steps_enter(resident=resident, entries=[(day, steps)], actor=actor)
                messages.success(request, summary.line())
            else:
                raise Invalid("health.form_action", ja="この操作は行えません。", en="Unknown action.")
            return redirect("staff-health-imports", lg_code=m.lg_code)
        except AppError as problem:
            error = _refusal(problem)
        except ValueError:
            error = _refusal(
                Invalid("health.paper_entry", ja="日付と歩数を確かめてください。", en="Check the date and steps.")
            )
    return render(request, "health/staff_imports.html", {"m": m, "error": error}, status=422 if error else 200)
