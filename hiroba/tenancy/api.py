"""Tenancy endpoints: public directory of municipalities and areas; staff and audit for a town's admins."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from ninja.security import django_auth

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.tenancy import selectors, services
from hiroba.tenancy.models import CurrencyArea, Municipality, Staff
from hiroba.tenancy.schemas import (
    AreaIn,
    AreaMemberIn,
    AreaOut,
    AuditRecordOut,
    GrantEndIn,
    GrantIn,
    GrantOut,
    MeOut,
    MunicipalityIn,
    MunicipalityOut,
    StaffOut,
)

router = Router(tags=["tenancy"])


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel=Channel.API)


def _municipality(m: Municipality) -> dict[str, Any]:
    p = m.prefecture
    return {
        "lg_code": m.lg_code,
        "name": m.name,
        "name_kana": m.name_kana,
        "name_en": m.name_en,
        "prefecture": {"code": p.code, "name": p.name, "name_en": p.name_en},
        "currency_area": m.currency_area.slug if m.currency_area else None,
    }


def _area(a: CurrencyArea) -> dict[str, Any]:
    return {
        "slug": a.slug,
        "name": a.name,
        "name_en": a.name_en,
        "currency_name": a.currency_name,
        "municipalities": [m.lg_code for m in a.municipalities.all()],
    }


def _staff(s: Staff) -> dict[str, Any]:
    return {
        "id": s.pk,
        "public_id": s.user.public_id,
        "full_name": s.user.full_name,
        "department": s.department,
        "grants": list(s.grants.all()),
    }


@router.get("/municipalities", response=list[MunicipalityOut], summary="All municipalities on Hiroba")
def municipality_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_municipality(m) for m in selectors.municipalities_listed()]


@router.post("/municipalities", response={201: MunicipalityOut}, auth=django_auth, summary="Register (agency)")
def municipality_register(request: HttpRequest, body: MunicipalityIn) -> Status[dict[str, Any]]:
    m = services.municipality_register(**body.dict(), actor=_actor(request))
    return Status(201, _municipality(selectors.municipality_get(lg_code=m.lg_code)))


@router.get("/municipalities/{lg_code}", response=MunicipalityOut)
def municipality_get(request: HttpRequest, lg_code: str) -> dict[str, Any]:
    return _municipality(selectors.municipality_get(lg_code=lg_code))


@router.get("/areas", response=list[AreaOut], summary="Currency areas and their members")
def area_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_area(a) for a in selectors.areas_listed()]


@router.post("/areas", response={201: AreaOut}, auth=django_auth, summary="Create a currency area (agency)")
def area_create(request: HttpRequest, body: AreaIn) -> Status[dict[str, Any]]:
    area = services.area_create(**body.dict(), actor=_actor(request))
    return Status(201, _area(selectors.area_get(slug=area.slug)))


@router.get("/areas/{slug}", response=AreaOut)
def area_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _area(selectors.area_get(slug=slug))


@router.post("/areas/{slug}/members", response=AreaOut, auth=django_auth, summary="Add a member (agency)")
def area_add_municipality(request: HttpRequest, slug: str, body: AreaMemberIn) -> dict[str, Any]:
    services.area_add_municipality(slug=slug, lg_code=body.lg_code, actor=_actor(request))
    return _area(selectors.area_get(slug=slug))


@router.get("/me", response=MeOut, auth=django_auth, summary="The signed-in staff member and active roles")
def me(request: HttpRequest) -> dict[str, Any]:
    scope = selectors.staff_scope(user=request.user)
    user = request.user
    return {
        "public_id": user.public_id,  # type: ignore[union-attr]
        "full_name": user.full_name,  # type: ignore[union-attr]
        "municipality": scope.municipality,
        "is_agency": scope.is_agency,
        "grants": sorted(scope.grants, key=lambda g: (g[1] or "", g[0])),
    }


@router.get("/municipalities/{lg_code}/staff", response=list[StaffOut], auth=django_auth)
def staff_list(request: HttpRequest, lg_code: str) -> list[dict[str, Any]]:
    return [_staff(s) for s in selectors.staff_list(scope=selectors.staff_scope(user=request.user), lg_code=lg_code)]


@router.post("/municipalities/{lg_code}/staff/{staff_id}/roles", response={201: GrantOut}, auth=django_auth)
def role_grant(request: HttpRequest, lg_code: str, staff_id: int, body: GrantIn) -> Status[Any]:
    grant = services.role_grant(
        staff_id=staff_id,
        lg_code=lg_code,
        role=body.role,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        actor=_actor(request),
        idempotency_key=f"api:{request.user.pk}:{request.headers.get('Idempotency-Key', '')}",
    )
    return Status(201, grant)


@router.post("/municipalities/{lg_code}/roles/{grant_id}/end", response=GrantOut, auth=django_auth)
def role_end(request: HttpRequest, lg_code: str, grant_id: int, body: GrantEndIn) -> Any:
    return services.role_end(grant_id=grant_id, lg_code=lg_code, ends_on=body.ends_on, actor=_actor(request))


@router.get("/municipalities/{lg_code}/audit", response=list[AuditRecordOut], auth=django_auth)
def audit_list(request: HttpRequest, lg_code: str) -> Any:
    return list(selectors.audit_list(scope=selectors.staff_scope(user=request.user), lg_code=lg_code))
