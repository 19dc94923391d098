"""Pages: the public directory of municipalities and areas, and staff pages for a town's admins and the agency."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, PermissionDenied
from hiroba.tenancy import selectors, services
from hiroba.tenancy.forms import AreaForm, AreaMemberForm, GrantForm, MunicipalityForm
from hiroba.tenancy.lgcode import prefecture
from hiroba.tenancy.models import Role


def _refusal(error: AppError) -> str:
    """A service's refusal as a form error: both messages and the code to quote to the help desk."""
    return f"{error.message_ja} / {error.message_en} ({error.code})"


def home(request: HttpRequest) -> HttpResponse:
    municipalities = list(selectors.municipalities_listed())
    by_prefecture: dict[str, Any] = {}
    for m in municipalities:
        by_prefecture.setdefault(m.lg_code[:2], {"prefecture": prefecture(m.lg_code), "items": []})["items"].append(m)
    return render(
        request,
        "tenancy/home.html",
        {"prefectures": list(by_prefecture.values()), "areas": selectors.areas_listed()},
    )


def municipality_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    return render(request, "tenancy/municipality.html", {"m": selectors.municipality_get(lg_code=lg_code)})


def area_page(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "tenancy/area.html", {"area": selectors.area_get(slug=slug)})


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    scope = selectors.staff_scope(user=request.user)
    grants = [(Role(role).label, code) for role, code in sorted(scope.grants, key=lambda g: (g[1] or "", g[0]))]
    admin_of = {code for role, code in scope.grants if role == Role.ADMIN and code}
    finance_of = {code for role, code in scope.grants if role in (Role.ADMIN, Role.FINANCE) and code}
    health_of = {code for role, code in scope.grants if role in (Role.ADMIN, Role.HEALTH) and code}
    counter_of = {code for role, code in scope.grants if role in (Role.ADMIN, Role.COUNTER) and code}
    election_of = {code for role, code in scope.grants if role == Role.ELECTION and code}
    credentials_of = {code for role, code in scope.grants if role == Role.CREDENTIALS and code}
    codes = admin_of | finance_of | health_of | counter_of | election_of | credentials_of
    codes |= {scope.municipality} if scope.municipality else set()
    towns = {m.lg_code: m for m in selectors.municipality_list().filter(lg_code__in=codes)}
    areas = {towns[c].currency_area for c in finance_of if towns[c].currency_area is not None}
    if scope.is_agency:
        areas = set(selectors.areas_listed())
    return render(
        request,
        "tenancy/staff_home.html",
        {
            "scope": scope,
            "grants": grants,
            "admin_of": [towns[code] for code in sorted(admin_of)],
            "employer": towns.get(scope.municipality or ""),
            "finance_of": [towns[code] for code in sorted(finance_of)],
            "wallet_areas": sorted(areas, key=lambda a: a.slug),
            "health_of": [towns[code] for code in sorted(health_of)],
            "counter_of": [towns[code] for code in sorted(counter_of)],
            "election_of": [towns[code] for code in sorted(election_of)],
            "credentials_of": [towns[code] for code in sorted(credentials_of)],
            "terminal_of": [towns[code] for code in sorted(counter_of | election_of)],
        },
    )


def _staff_page(request: HttpRequest, lg_code: str, form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    scope = selectors.staff_scope(user=request.user)
    context = {
        "m": selectors.municipality_get(lg_code=lg_code),
        "staff": selectors.staff_list(scope=scope, lg_code=lg_code),
        "form": form or GrantForm(),
        "roles": [r for r in Role if r != Role.AGENCY],
    }
    template = "tenancy/staff_list.html#staff-table" if request.htmx else "tenancy/staff_list.html"  # type: ignore[attr-defined]
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@login_required
def staff_list_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    if request.method != "POST":
        return _staff_page(request, lg_code)
    form = GrantForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, lg_code, form, status=422)
    try:
        services.role_grant(
            staff_id=form.cleaned_data["staff_id"],
            lg_code=lg_code,
            role=Role(form.cleaned_data["role"]),
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            actor=Actor.from_request(request),
        )
    except AppError as error:
        if isinstance(error, PermissionDenied):
            raise
        form.add_error(None, _refusal(error))
        return _staff_page(request, lg_code, form, status=error.status)
    if request.htmx:  # type: ignore[attr-defined]
        return _staff_page(request, lg_code)
    return redirect("staff-list", lg_code=lg_code)


@login_required
@require_POST
def role_end_page(request: HttpRequest, lg_code: str, grant_id: int) -> HttpResponse:
    services.role_end(grant_id=grant_id, lg_code=lg_code, ends_on=None, actor=Actor.from_request(request))
    return redirect("staff-list", lg_code=lg_code)


@login_required
def audit_page(request: HttpRequest, lg_code: str) -> HttpResponse:
    records = selectors.audit_list(scope=selectors.staff_scope(user=request.user), lg_code=lg_code)
    return render(request, "tenancy/audit.html", {"m": selectors.municipality_get(lg_code=lg_code), "records": records})


_PLATFORM_FORMS: dict[str, type[forms.Form]] = {
    "municipality": MunicipalityForm,
    "area": AreaForm,
    "member": AreaMemberForm,
}


@login_required
def platform_page(request: HttpRequest) -> HttpResponse:
    """The agency's page for registering municipalities and currency areas."""
    scope = selectors.staff_scope(user=request.user)
    selectors.scope_require(scope, Role.AGENCY)
    bound = request.POST.get("form") if request.method == "POST" else None
    forms_by_name = {
        name: cls(request.POST if name == bound else None, prefix=name) for name, cls in _PLATFORM_FORMS.items()
    }
    status = 200
    if bound in forms_by_name:
        form = forms_by_name[bound]
        if form.is_valid():
            try:
                _platform_act(request, bound, form.cleaned_data)
            except AppError as error:
                if isinstance(error, PermissionDenied):
                    raise
                form.add_error(None, _refusal(error))
                status = error.status
            else:
                return redirect("staff-platform")
        else:
            status = 422
    context = {
        "forms": forms_by_name, "areas": selectors.areas_listed(), "municipalities": selectors.municipalities_listed()
    }  # fmt: skip
    return render(request, "tenancy/platform.html", context, status=status)


def _platform_act(request: HttpRequest, name: str, data: dict[str, Any]) -> None:
    actor = Actor.from_request(request)
    if name == "municipality":
        services.municipality_register(**data, actor=actor)
    elif name == "area":
        services.area_create(**data, actor=actor)
    else:
        services.area_add_municipality(slug=data["area"], lg_code=data["lg_code"], actor=actor)
