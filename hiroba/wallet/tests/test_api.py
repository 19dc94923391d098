"""The wallet over /api/v1: a resident converts and pays by QR, the shop asks and refunds, staff approve."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from hiroba.core.audit import Actor
from hiroba.identity.models import AccountKind, User
from hiroba.wallet.models import Merchant
from hiroba.wallet.services import money, payments
from hiroba.wallet.tests.conftest import TODAY


def call(client: Client, method: str, path: str, body: dict[str, Any] | None = None, key: str = "k") -> Any:
    return client.generic(
        method, f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_converts_pays_by_qr_and_the_shop_refunds(saku: dict[str, Any]) -> None:
    hanako = saku["hanako"]
    money.points_award(municipality=hanako.municipality, awards=[(hanako, 1000)], key="aw", on=TODAY, reason="steps")
    resident = signed_in(hanako.person.user)
    assert call(resident, "POST", "/wallet/convert", {"points": 500}, key="c1").json()["amount"] == 500
    soba = saku["shops"]["202088"]
    qr = payments.merchant_qr(soba)
    paid = call(resident, "POST", "/wallet/pay", {"qr": qr, "amount": 300}, key="p1")
    assert paid.status_code == 200, paid.content
    # a retry with the same key is the same payment, not a second one
    assert call(resident, "POST", "/wallet/pay", {"qr": qr, "amount": 300}, key="p1").json() == paid.json()
    wallet = call(resident, "GET", "/wallet").json()
    assert (wallet["points"], wallet["coins"]) == (500, 200)
    # the shop's owner refunds part of it
    owner = User.objects.create_user("shop-owner", None, full_name="見本 店主", kind=AccountKind.MERCHANT)
    Merchant.objects.filter(pk=soba.pk).update(user=owner)
    shop = signed_in(owner)
    refund = call(
        shop, "POST", f"/merchants/{soba.pk}/refunds", {"payment": paid.json()["journal"], "amount": 100}, key="r1"
    )
    assert refund.status_code == 200, refund.content
    assert call(resident, "GET", "/wallet").json()["coins"] == 300
    # a bad QR is refused with its reason
    tampered = qr[:-1] + ("1" if qr.endswith("0") else "0")  # always a different last CRC digit
    broken = call(resident, "POST", "/wallet/pay", {"qr": tampered, "amount": 1}, key="p2")
    assert (broken.status_code, broken.json()["code"]) == (422, "qr.crc")


def test_a_shop_asks_for_an_amount_and_the_resident_pays_the_dynamic_qr(saku: dict[str, Any]) -> None:
    hanako = saku["hanako"]
    money.points_award(municipality=hanako.municipality, awards=[(hanako, 1000)], key="aw", on=TODAY, reason="steps")
    money.points_convert(resident=hanako, points=1000, key="cv", on=TODAY, actor=Actor.command_line())
    owner = User.objects.create_user("bakery-owner", None, full_name="見本 店主", kind=AccountKind.MERCHANT)
    bakery = saku["shops"]["202177"]
    Merchant.objects.filter(pk=bakery.pk).update(user=owner)
    asked = call(signed_in(owner), "POST", f"/merchants/{bakery.pk}/requests", {"amount": 450}, key="q1")
    assert asked.status_code == 201, asked.content
    paid = call(signed_in(hanako.person.user), "POST", "/wallet/pay", {"qr": asked.json()["qr"]}, key="p1")
    assert paid.json()["amount"] == 450
    again = call(signed_in(saku["taro"].person.user), "POST", "/wallet/pay", {"qr": asked.json()["qr"]}, key="p9")
    assert (again.status_code, again.json()["code"]) == (409, "wallet.request_paid")


def test_only_the_towns_staff_approve_its_shops(saku: dict[str, Any], login: Any) -> None:
    komoro_shop = Merchant.objects.get(pk=saku["shops"]["202088"].pk)
    Merchant.objects.filter(pk=komoro_shop.pk).update(status="suspended")
    refused = call(login("saku-finance"), "POST", f"/merchants/{komoro_shop.pk}/approve", key="a1")
    assert (refused.status_code, refused.json()["code"]) == (403, "tenancy.forbidden")
    approved = call(login("komoro-finance"), "POST", f"/merchants/{komoro_shop.pk}/approve", key="a2")
    assert approved.json()["status"] == "approved"
    assert approved.json()["qr"].startswith("000201")
