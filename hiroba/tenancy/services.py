"""Writes for tenancy: registering municipalities and currency areas, staff and their roles."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.identity.services import user_create
from hiroba.tenancy import errors, lgcode
from hiroba.tenancy.events import TenancyEvent
from hiroba.tenancy.models import MUNICIPAL_ROLES, CurrencyArea, Municipality, Role, RoleGrant, Staff
from hiroba.tenancy.selectors import actor_scope, municipality_get, scope_require


def _require_agency(actor: Actor) -> None:
    scope_require(actor_scope(actor), Role.AGENCY)


@transaction.atomic(durable=True)
def municipality_register(
    *, lg_code: str, name: str, name_kana: str, name_en: str, actor: Actor, training: bool = False
) -> Municipality:
    """A municipality, or with `training` the card simulator's training town (left out of every list and count)."""
    _require_agency(actor)
    try:
        lgcode.validate(lg_code)
    except lgcode.LgCodeError as exc:
        raise errors.invalid_lg_code(exc, lg_code) from exc
    if Municipality.objects.filter(lg_code=lg_code).exists():
        raise errors.municipality_exists(lg_code)
    municipality = Municipality.objects.create(
        lg_code=lg_code, name=name, name_kana=name_kana, name_en=name_en, training=training
    )
    audit_record(
        tag=TenancyEvent.MUNICIPALITY_REGISTERED, actor=actor, subject=municipality,
        data={"lg_code": lg_code, "training": training},
    )  # fmt: skip
    return municipality


@transaction.atomic(durable=True)
def area_create(*, slug: str, name: str, name_en: str, currency_name: str, actor: Actor) -> CurrencyArea:
    _require_agency(actor)
    if CurrencyArea.objects.filter(slug=slug).exists():
        raise errors.area_exists(slug)
    area = CurrencyArea.objects.create(slug=slug, name=name, name_en=name_en, currency_name=currency_name)
    audit_record(tag=TenancyEvent.AREA_CREATED, actor=actor, subject=area, data={"slug": slug})
    return area


@transaction.atomic(durable=True)
def area_add_municipality(*, slug: str, lg_code: str, actor: Actor) -> Municipality:
    """Add a municipality to a currency area. Joining the same area again changes nothing."""
    _require_agency(actor)
    area = CurrencyArea.objects.filter(slug=slug).first()
    if area is None:
        raise errors.unknown_area(slug)
    municipality = municipality_get(lg_code=lg_code)
    if municipality.currency_area_id == area.pk:
        return municipality
    if municipality.currency_area is not None:
        raise errors.already_in_area(lg_code, municipality.currency_area.slug)
    # The conditional update is the guard against a concurrent join to another area.
    if not Municipality.objects.filter(lg_code=lg_code, currency_area__isnull=True).update(currency_area=area):
        municipality.refresh_from_db()
        raise errors.already_in_area(lg_code, municipality.currency_area.slug if municipality.currency_area else "?")
    municipality.currency_area = area
    audit_record(tag=TenancyEvent.AREA_JOINED, actor=actor, subject=area, data={"slug": slug, "lg_code": lg_code})
    audit_record(
        tag=TenancyEvent.AREA_JOINED, actor=actor, subject=municipality, data={"slug": slug}, municipality=lg_code
    )
    return municipality


@transaction.atomic(durable=True)
def staff_register(
    *,
    username: str,
    password: str | None,
    full_name: str,
    full_name_kana: str,
    email: str,
    lg_code: str | None,
    department: str,
    actor: Actor,
) -> Staff:
    """Create a staff account for a municipality (lg_code) or for the agency (None)."""
    scope = actor_scope(actor)
    if lg_code is None:
        scope_require(scope, Role.AGENCY)
        municipality = None
    else:
        scope_require(scope, Role.ADMIN, lg_code)
        municipality = municipality_get(lg_code=lg_code)
    user = user_create(
        username=username, password=password, full_name=full_name, full_name_kana=full_name_kana, email=email
    )
    staff = Staff.objects.create(user=user, municipality=municipality, department=department)
    audit_record(
        tag=TenancyEvent.STAFF_REGISTERED,
        actor=actor,
        subject=staff,
        data={"user": user.public_id},
        municipality=lg_code,
    )
    return staff


@transaction.atomic(durable=True)
def role_grant(
    *,
    staff_id: int,
    lg_code: str | None,
    role: Role,
    starts_on: dt.date,
    ends_on: dt.date | None,
    actor: Actor,
    idempotency_key: str | None = None,
) -> RoleGrant:
    """Grant a role. Municipal roles only for the staff member's own town, by that town's admin."""
    if idempotency_key and (done := RoleGrant.objects.filter(idempotency_key=idempotency_key).first()):
        return done
    scope = actor_scope(actor)
    if role == Role.AGENCY:
        scope_require(scope, Role.AGENCY)
        lg_code = None
    else:
        if lg_code is None:
            raise errors.role_outside_town("")
        scope_require(scope, Role.ADMIN, lg_code)
    staff = Staff.objects.select_related("user").filter(pk=staff_id).first()
    if staff is None:
        raise errors.unknown_staff(lg_code or "agency")
    if role in MUNICIPAL_ROLES and staff.municipality_id != lg_code:
        raise errors.role_outside_town(lg_code or "")
    if role == Role.AGENCY and not staff.is_agency:
        raise errors.role_outside_town("agency")
    if ends_on is not None and ends_on < starts_on:
        raise errors.role_period_invalid()
    overlapping = RoleGrant.objects.filter(staff=staff, role=role, municipality_id=lg_code).exclude(
        ends_on__lt=starts_on
    )
    if ends_on is not None:
        overlapping = overlapping.exclude(starts_on__gt=ends_on)
    if overlapping.exists():
        raise errors.role_overlaps()
    grant = RoleGrant.objects.create(
        staff=staff,
        municipality_id=lg_code,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
        idempotency_key=idempotency_key or None,
    )
    audit_record(
        tag=TenancyEvent.ROLE_GRANTED,
        actor=actor,
        subject=grant,
        data={
            "staff": staff.user.public_id,
            "role": str(role),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
        municipality=lg_code,
    )
    return grant


@transaction.atomic(durable=True)
def role_end(*, grant_id: int, lg_code: str, ends_on: dt.date | None, actor: Actor) -> RoleGrant:
    """End a municipal role on `ends_on` (default: today). Ending it again on the same day changes nothing."""
    scope_require(actor_scope(actor), Role.ADMIN, lg_code)
    grant = (
        RoleGrant.objects.select_for_update()
        .select_related("staff__user")
        .filter(pk=grant_id, municipality_id=lg_code)
        .first()
    )
    if grant is None:
        raise errors.unknown_staff(lg_code)
    last_day = ends_on or timezone.localdate()
    if last_day < grant.starts_on:
        raise errors.role_period_invalid()
    if grant.ends_on is not None and grant.ends_on <= last_day:
        return grant
    RoleGrant.objects.filter(pk=grant.pk).update(ends_on=last_day)
    grant.ends_on = last_day
    audit_record(
        tag=TenancyEvent.ROLE_ENDED,
        actor=actor,
        subject=grant,
        data={"staff": grant.staff.user.public_id, "role": grant.role, "ends_on": last_day.isoformat()},
        municipality=lg_code,
    )
    return grant
