"""Tenancy services: registration, currency areas, staff roles, and their audit records."""

from __future__ import annotations

import datetime as dt

import pytest

from hiroba.core.audit import Actor, audit_verify
from hiroba.core.errors import Conflict, Invalid, PermissionDenied
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import User
from hiroba.tenancy import lgcode, selectors, services
from hiroba.tenancy.models import CurrencyArea, Municipality, Role, RoleGrant, Staff

pytestmark = pytest.mark.django_db

APRIL = dt.date(2026, 4, 1)
OPERATOR = Actor.command_line()


def as_user(username: str) -> Actor:
    return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)


def test_register_municipality_writes_a_platform_audit_record() -> None:
    m = services.municipality_register(
        lg_code="202011", name="長野市", name_kana="ながのし", name_en="Nagano City", actor=OPERATOR
    )
    assert m.prefecture.name == "長野県"
    record = AuditRecord.objects.get(tag="tenancy:municipality:registered")
    assert record.chain_id == "platform"
    assert record.data == {"lg_code": "202011", "training": False}
    assert record.actor == "operator"
    assert record.channel == "cli"


@pytest.mark.parametrize(("code", "reason"), [("202012", "check_digit"), ("20201", "format"), ("492011", "prefecture")])
def test_register_refuses_bad_codes_and_writes_nothing(code: str, reason: str) -> None:
    with pytest.raises(Invalid) as info:
        services.municipality_register(lg_code=code, name="x", name_kana="x", name_en="x", actor=OPERATOR)
    assert info.value.code == f"tenancy.lg_code.{reason}"
    assert info.value.message_ja
    assert info.value.message_en
    assert not Municipality.objects.exists()
    assert not AuditRecord.objects.exists()


def test_register_twice_is_a_conflict(demo: object) -> None:
    with pytest.raises(Conflict) as info:
        services.municipality_register(lg_code="202177", name="x", name_kana="x", name_en="x", actor=OPERATOR)
    assert info.value.code == "tenancy.municipality.exists"


def test_only_the_agency_registers_municipalities(demo: object) -> None:
    with pytest.raises(PermissionDenied):
        services.municipality_register(
            lg_code=lgcode.complete("20201"), name="長野市", name_kana="ながのし", name_en="Nagano City",
            actor=as_user("saku-admin"),
        )  # fmt: skip
    services.municipality_register(
        lg_code=lgcode.complete("20201"), name="長野市", name_kana="ながのし", name_en="Nagano City",
        actor=as_user("agency"),
    )  # fmt: skip
    assert Municipality.objects.filter(lg_code="202011").exists()


def test_a_municipality_belongs_to_at_most_one_area(demo: object) -> None:
    # given a second area
    agency = as_user("agency")
    services.area_create(slug="tama", name="多摩", name_en="Tama", currency_name="多摩コイン", actor=agency)
    # when Saku City, already in the Saku area, is added to it
    with pytest.raises(Conflict) as info:
        services.area_add_municipality(slug="tama", lg_code="202177", actor=agency)
    # then it is refused and Saku City stays where it was
    assert info.value.code == "tenancy.municipality.in_other_area"
    assert info.value.detail == {"lg_code": "202177", "area": "saku"}
    assert Municipality.objects.get(lg_code="202177").currency_area_id == CurrencyArea.objects.get(slug="saku").pk
    # and a town outside any area can join, once; joining again changes nothing
    services.area_add_municipality(slug="tama", lg_code="132080", actor=agency)
    before = AuditRecord.objects.count()
    services.area_add_municipality(slug="tama", lg_code="132080", actor=agency)
    assert AuditRecord.objects.count() == before
    assert [m.lg_code for m in CurrencyArea.objects.get(slug="tama").municipalities.all()] == ["132080"]


def test_area_join_is_recorded_in_both_chains(demo: object) -> None:
    services.area_create(slug="tama", name="多摩", name_en="Tama", currency_name="多摩コイン", actor=OPERATOR)
    services.area_add_municipality(slug="tama", lg_code="132080", actor=OPERATOR)
    chains = set(
        AuditRecord.objects.filter(tag="tenancy:area:municipality-joined", data__slug="tama").values_list(
            "chain_id", flat=True
        )
    )
    assert chains == {"platform", "132080"}


def test_admin_grants_a_role_in_own_town_and_it_is_audited_without_names(demo: object) -> None:
    # given
    staff = Staff.objects.get(user__username="saku-counter")
    # when
    grant = services.role_grant(
        staff_id=staff.pk, lg_code="202177", role=Role.HEALTH, starts_on=APRIL, ends_on=None,
        actor=as_user("saku-admin"),
    )  # fmt: skip
    # then
    assert selectors.staff_scope(user=staff.user).has(Role.HEALTH, "202177")
    record = AuditRecord.objects.filter(chain_id="202177").latest("seq")
    assert record.tag == "tenancy:staff:role-granted"
    assert record.subject == f"tenancy.rolegrant:{grant.pk}"
    assert record.data["staff"] == staff.user.public_id
    assert staff.user.full_name not in str(record.data)


def test_role_outside_the_staff_members_town_is_refused(demo: object) -> None:
    saitama_staff = Staff.objects.get(user__username="saitama-counter")
    # Saku's admin cannot grant a Saku role to Saitama's employee...
    with pytest.raises(Invalid) as info:
        services.role_grant(
            staff_id=saitama_staff.pk, lg_code="202177", role=Role.HEALTH, starts_on=APRIL, ends_on=None,
            actor=as_user("saku-admin"),
        )  # fmt: skip
    assert info.value.code == "tenancy.role.outside_town"
    # ...nor a Saitama role to anyone
    with pytest.raises(PermissionDenied):
        services.role_grant(
            staff_id=saitama_staff.pk, lg_code="111007", role=Role.HEALTH, starts_on=APRIL, ends_on=None,
            actor=as_user("saku-admin"),
        )  # fmt: skip
    assert not RoleGrant.objects.filter(staff=saitama_staff, role=Role.HEALTH).exists()


def test_overlapping_grants_of_the_same_role_are_refused(demo: object) -> None:
    staff = Staff.objects.get(user__username="saku-health")  # health since 2026-04-01, open-ended
    with pytest.raises(Conflict):
        services.role_grant(
            staff_id=staff.pk, lg_code="202177", role=Role.HEALTH, starts_on=dt.date(2027, 4, 1), ends_on=None,
            actor=OPERATOR,
        )  # fmt: skip


def test_april_move_end_one_role_and_start_another(demo: object) -> None:
    # given the health officer moves to finance on 2027-04-01
    staff = Staff.objects.get(user__username="saku-health")
    grant = staff.grants.get(role=Role.HEALTH)
    admin = as_user("saku-admin")
    # when
    services.role_end(grant_id=grant.pk, lg_code="202177", ends_on=dt.date(2027, 3, 31), actor=admin)
    services.role_grant(
        staff_id=staff.pk, lg_code="202177", role=Role.FINANCE, starts_on=dt.date(2027, 4, 1), ends_on=None,
        actor=admin,
    )  # fmt: skip
    # then the scope follows the calendar: the last day is inclusive
    on_march_31 = selectors.staff_scope(user=staff.user, on=dt.date(2027, 3, 31))
    on_april_1 = selectors.staff_scope(user=staff.user, on=dt.date(2027, 4, 1))
    assert on_march_31.has(Role.HEALTH, "202177")
    assert not on_march_31.has(Role.FINANCE, "202177")
    assert on_april_1.has(Role.FINANCE, "202177")
    assert not on_april_1.has(Role.HEALTH, "202177")
    # and ending it again changes nothing
    before = AuditRecord.objects.count()
    services.role_end(grant_id=grant.pk, lg_code="202177", ends_on=dt.date(2027, 3, 31), actor=admin)
    assert AuditRecord.objects.count() == before


def test_role_grant_is_idempotent_per_key(demo: object) -> None:
    staff = Staff.objects.get(user__username="saku-counter")

    def grant() -> RoleGrant:
        return services.role_grant(
            staff_id=staff.pk, lg_code="202177", role=Role.FINANCE, starts_on=APRIL, ends_on=None,
            actor=as_user("saku-admin"), idempotency_key="req-1",
        )  # fmt: skip

    first = grant()
    second = grant()
    assert first.pk == second.pk
    assert staff.grants.filter(role=Role.FINANCE).count() == 1


def test_demo_load_is_idempotent_and_the_chains_verify(demo: object) -> None:
    from hiroba.demo import demo_load

    counts_before, _ = audit_verify()
    demo_load()
    counts_after, breaks = audit_verify()
    assert counts_after == counts_before
    assert breaks == []
    assert set(counts_after) == {"platform", "202177", "202088", "203238", "203246", "111007", "122076", "132080"}
