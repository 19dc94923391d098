"""The HTTP API's contract: one error shape, idempotency keys, and the tenancy endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hiroba.core.models import AuditRecord
from hiroba.tenancy.models import Municipality, RoleGrant, Staff

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, Any], key: str | None = "k-1") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["message"]["ja"]
    assert body["message"]["en"]
    assert "Traceback" not in response.content.decode()
    return body


def test_public_directory(demo: object, client: Client) -> None:
    municipalities = client.get("/api/v1/municipalities").json()
    assert [m["lg_code"] for m in municipalities] == sorted(
        ["202177", "202088", "203238", "203246", "111007", "122076", "132080"]
    )
    saku = client.get("/api/v1/municipalities/202177").json()
    assert saku["prefecture"] == {"code": "20", "name": "長野県", "name_en": "Nagano"}
    assert saku["currency_area"] == "saku"
    area = client.get("/api/v1/areas/saku").json()
    assert area["municipalities"] == ["202088", "202177", "203238", "203246"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/municipalities/202178", 422, "tenancy.lg_code.check_digit"),
        ("/api/v1/municipalities/abc", 422, "tenancy.lg_code.format"),
        ("/api/v1/municipalities/131016", 404, "tenancy.municipality.unknown"),
        ("/api/v1/areas/nowhere", 404, "tenancy.area.unknown"),
        ("/api/v1/no-such-endpoint", 404, "not_found"),
    ],
)
def test_lookups_fail_with_a_reason(demo: object, client: Client, path: str, status: int, code: str) -> None:
    assert_error(client.get(path), status, code)


def test_mutations_need_sign_in_and_an_idempotency_key(demo: object, client: Client, login: Any) -> None:
    body = {"lg_code": "202011", "name": "長野市", "name_kana": "ながのし", "name_en": "Nagano City"}
    assert_error(post(client, "/api/v1/municipalities", body), 401, "auth.required")
    login("agency")
    assert_error(post(client, "/api/v1/municipalities", body, key=None), 422, "idempotency.key_required")
    assert not Municipality.objects.filter(lg_code="202011").exists()


def test_agency_registers_a_municipality_and_a_retry_is_replayed(demo: object, client: Client, login: Any) -> None:
    # given
    login("agency")
    body = {"lg_code": "202011", "name": "長野市", "name_kana": "ながのし", "name_en": "Nagano City"}
    # when the client sends the request twice with the same key (a retry after a lost answer)
    first = post(client, "/api/v1/municipalities", body, key="reg-202011")
    second = post(client, "/api/v1/municipalities", body, key="reg-202011")
    # then the second gets the first answer without acting again
    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert AuditRecord.objects.filter(tag="tenancy:municipality:registered", data__lg_code="202011").count() == 1
    # and the same key for a different request is refused
    other = {**body, "lg_code": "202045"}
    assert_error(post(client, "/api/v1/municipalities", other, key="reg-202011"), 409, "idempotency.key_reused")


@pytest.mark.parametrize(
    ("lg_code", "status", "code"),
    [
        ("202012", 422, "tenancy.lg_code.check_digit"),
        ("2020", 422, "tenancy.lg_code.format"),
        ("202177", 409, "tenancy.municipality.exists"),
    ],
)
def test_registration_refusals(demo: object, client: Client, login: Any, lg_code: str, status: int, code: str) -> None:
    login("agency")
    body = {"lg_code": lg_code, "name": "x", "name_kana": "x", "name_en": "x"}
    before = Municipality.objects.count()
    assert_error(post(client, "/api/v1/municipalities", body), status, code)
    assert Municipality.objects.count() == before


def test_town_staff_may_not_register_municipalities(demo: object, client: Client, login: Any) -> None:
    login("saku-admin")
    body = {"lg_code": "202011", "name": "長野市", "name_kana": "ながのし", "name_en": "Nagano City"}
    assert_error(post(client, "/api/v1/municipalities", body), 403, "tenancy.forbidden")


def test_a_municipality_in_two_areas_is_refused(demo: object, client: Client, login: Any) -> None:
    login("agency")
    area = {"slug": "tama", "name": "多摩地域", "name_en": "Tama", "currency_name": "多摩コイン"}
    assert post(client, "/api/v1/areas", area, key="a1").status_code == 201
    body = assert_error(
        post(client, "/api/v1/areas/tama/members", {"lg_code": "202088"}, key="a2"),
        409,
        "tenancy.municipality.in_other_area",
    )
    assert body["detail"] == {"lg_code": "202088", "area": "saku"}
    joined = post(client, "/api/v1/areas/tama/members", {"lg_code": "132080"}, key="a3")
    assert joined.json()["municipalities"] == ["132080"]


def test_invalid_body_is_a_422_with_field_locations(demo: object, client: Client, login: Any) -> None:
    login("agency")
    body = assert_error(post(client, "/api/v1/areas", {"slug": "UPPER case"}), 422, "request.invalid")
    assert ["body", "body", "slug"] in [e["loc"] for e in body["detail"]["errors"]]


def test_admin_grants_and_ends_a_role_by_api(demo: object, client: Client, login: Any) -> None:
    # given
    login("saku-admin")
    staff = Staff.objects.get(user__username="saku-counter")
    path = f"/api/v1/municipalities/202177/staff/{staff.pk}/roles"
    # when
    granted = post(client, path, {"role": "health", "starts_on": "2026-10-01"}, key="g1")
    # then
    assert granted.status_code == 201
    grant = granted.json()
    assert grant["municipality"] == "202177"
    assert grant["ends_on"] is None
    listed = client.get("/api/v1/municipalities/202177/staff").json()
    counter = next(s for s in listed if s["id"] == staff.pk)
    assert "health" in [g["role"] for g in counter["grants"]]
    # when the role ends
    ended = post(client, f"/api/v1/municipalities/202177/roles/{grant['id']}/end", {"ends_on": "2027-03-31"}, key="g2")
    assert ended.json()["ends_on"] == "2027-03-31"
    assert str(RoleGrant.objects.get(pk=grant["id"]).ends_on) == "2027-03-31"
    # and the town's audit log shows both acts, newest first
    tags = [r["tag"] for r in client.get("/api/v1/municipalities/202177/audit").json()[:2]]
    assert tags == ["tenancy:staff:role-ended", "tenancy:staff:role-granted"]


def test_role_for_a_staff_member_of_another_town_is_refused(demo: object, client: Client, login: Any) -> None:
    login("saku-admin")
    other = Staff.objects.get(user__username="komoro-counter")
    response = post(
        client, f"/api/v1/municipalities/202177/staff/{other.pk}/roles", {"role": "health", "starts_on": "2026-10-01"}
    )
    assert_error(response, 422, "tenancy.role.outside_town")
    assert not RoleGrant.objects.filter(staff=other, role="health").exists()


def test_me(demo: object, client: Client, login: Any) -> None:
    login("saku-counter")
    me = client.get("/api/v1/me").json()
    assert me["municipality"] == "202177"
    assert sorted(me["grants"]) == [["counter", "202177"], ["election", "202177"]]
    assert me["is_agency"] is False
