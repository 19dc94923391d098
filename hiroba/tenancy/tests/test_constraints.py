"""The database itself refuses what the services refuse, for code paths nobody thought of."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DataError, IntegrityError, transaction

from hiroba.tenancy.models import CurrencyArea, Municipality, Role, RoleGrant, Staff

pytestmark = pytest.mark.django_db

APRIL = dt.date(2026, 4, 1)


@pytest.mark.parametrize("code", ["202178", "20217x", "482011", "20217", "000000", "20217 "])
def test_database_refuses_malformed_lg_codes(code: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(lg_code=code, name="x", name_kana="x", name_en="x")
    assert not Municipality.objects.filter(lg_code=code).exists()


def test_database_refuses_an_overlong_code() -> None:
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():  # SQLite has no varchar limit
        Municipality.objects.create(lg_code="2021777", name="x", name_kana="x", name_en="x")


def test_database_accepts_a_real_code() -> None:
    Municipality.objects.create(lg_code="202177", name="佐久市", name_kana="さくし", name_en="Saku City")
    assert Municipality.objects.get().prefecture.name == "長野県"


def test_database_refuses_a_role_outside_the_staff_members_town(demo: object) -> None:
    # given a Saku City employee
    staff = Staff.objects.get(user__username="saku-health")
    # when a row is written straight to the table for another town, bypassing the service
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(staff=staff, municipality_id="111007", role=Role.ADMIN, starts_on=APRIL)
    # then nothing was written
    assert not RoleGrant.objects.filter(staff=staff, municipality_id="111007").exists()


def test_database_refuses_moving_a_grant_to_another_town(demo: object) -> None:
    grant = RoleGrant.objects.filter(staff__user__username="saku-health").get()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.filter(pk=grant.pk).update(municipality_id="202088")


def test_database_refuses_agency_role_for_town_staff_and_town_role_without_town(demo: object) -> None:
    staff = Staff.objects.get(user__username="saku-health")
    agency = Staff.objects.get(user__username="agency")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(staff=staff, municipality=None, role=Role.AGENCY, starts_on=APRIL)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(staff=agency, municipality=None, role=Role.ADMIN, starts_on=APRIL)


def test_database_refuses_a_role_ending_before_it_starts(demo: object) -> None:
    staff = Staff.objects.get(user__username="saku-health")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            staff=staff, municipality_id="202177", role=Role.FINANCE, starts_on=APRIL, ends_on=APRIL - dt.timedelta(1)
        )


def test_database_refuses_upper_case_area_slug() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CurrencyArea.objects.create(slug="Saku", name="x", name_en="x", currency_name="x")
