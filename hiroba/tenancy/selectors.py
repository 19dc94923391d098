"""Reads for tenancy. Every read of one municipality's own data goes through `staff_scope` + `scope_require`."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.models import AuditRecord, Channel
from hiroba.tenancy import errors, lgcode
from hiroba.tenancy.models import CurrencyArea, Municipality, Role, RoleGrant, Staff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StaffScope:
    """What one signed-in person may do today: their employer and their active (role, municipality) pairs."""

    user_id: int | None
    staff_id: int | None
    municipality: str | None
    grants: frozenset[tuple[str, str | None]]
    is_operator: bool = False

    @property
    def is_agency(self) -> bool:
        return self.is_operator or (Role.AGENCY, None) in self.grants

    def has(self, role: Role, lg_code: str | None = None) -> bool:
        return self.is_operator or (role, lg_code) in self.grants


def _active_on(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def staff_scope(*, user: AbstractBaseUser | AnonymousUser | None, on: dt.date | None = None) -> StaffScope:
    if user is None or not user.is_authenticated:
        return StaffScope(user_id=None, staff_id=None, municipality=None, grants=frozenset())
    day = on or timezone.localdate()
    staff = Staff.objects.filter(user_id=user.pk).first()
    if staff is None:
        return StaffScope(user_id=user.pk, staff_id=None, municipality=None, grants=frozenset())
    grants = RoleGrant.objects.filter(_active_on(day), staff=staff).values_list("role", "municipality_id")
    return StaffScope(user_id=user.pk, staff_id=staff.pk, municipality=staff.municipality_id, grants=frozenset(grants))


def actor_scope(actor: Actor) -> StaffScope:
    """The operator at the command line may do everything; anyone else gets their staff scope."""
    if actor.user is None and actor.channel == Channel.CLI:
        return StaffScope(user_id=None, staff_id=None, municipality=None, grants=frozenset(), is_operator=True)
    return staff_scope(user=actor.user)


def scope_require(scope: StaffScope, role: Role, lg_code: str | None = None) -> None:
    if not scope.has(role, lg_code):
        log.warning("tenancy.forbidden", extra={"user_id": scope.user_id, "role": role, "lg_code": lg_code})
        raise errors.forbidden(lg_code)


def municipality_list() -> QuerySet[Municipality]:
    """Every municipality, the training town included: for finding one by its code."""
    return Municipality.objects.select_related("currency_area").order_by("lg_code")


def municipalities_listed() -> QuerySet[Municipality]:
    """The real municipalities, for lists, counts and roll-ups: the card simulator's training town is left out."""
    return municipality_list().filter(training=False)


def municipality_get(*, lg_code: str) -> Municipality:
    try:
        lgcode.validate(lg_code)
    except lgcode.LgCodeError as exc:
        raise errors.invalid_lg_code(exc, lg_code) from exc
    municipality = municipality_list().filter(lg_code=lg_code).first()
    if municipality is None:
        raise errors.unknown_municipality(lg_code)
    return municipality


def area_list() -> QuerySet[CurrencyArea]:
    return CurrencyArea.objects.prefetch_related(
        Prefetch("municipalities", queryset=Municipality.objects.order_by("lg_code"))
    ).order_by("slug")


def areas_listed() -> QuerySet[CurrencyArea]:
    """The currency areas of real municipalities, for lists: an area with the training town in it is the training
    area (the simulator never puts a real town in it)."""
    return area_list().exclude(municipalities__training=True)


def area_get(*, slug: str) -> CurrencyArea:
    area = area_list().filter(slug=slug).first()
    if area is None:
        raise errors.unknown_area(slug)
    return area


def staff_list(*, scope: StaffScope, lg_code: str) -> QuerySet[Staff]:
    """A municipality's staff with all their grants, for that municipality's admins only."""
    scope_require(scope, Role.ADMIN, lg_code)
    return (
        Staff.objects.filter(municipality_id=lg_code)
        .select_related("user")
        .prefetch_related(Prefetch("grants", queryset=RoleGrant.objects.order_by("role", "starts_on")))
        .order_by("user__full_name_kana", "pk")
    )


def audit_list(*, scope: StaffScope, lg_code: str, limit: int = 100) -> QuerySet[AuditRecord]:
    """The newest records of a municipality's own audit chain, for its admins only."""
    scope_require(scope, Role.ADMIN, lg_code)
    return AuditRecord.objects.filter(chain_id=lg_code).order_by("-seq")[:limit]
