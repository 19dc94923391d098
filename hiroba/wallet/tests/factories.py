"""The Saku area ready for payments, shared by the wallet's page, API and browser tests."""

from __future__ import annotations

from typing import Any

from hiroba.core.audit import Actor
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import CurrencyArea, Municipality
from hiroba.wallet.models import AreaSettings, Merchant, PayerAccount
from hiroba.wallet.services import merchants, money

OPERATOR = Actor.command_line()


def shop_apply(town: Municipality, name: str, roman: str, *, mcc: str = "5812", account: str = "7654321") -> Merchant:
    """A shop's application with a real bank branch (長野信用金庫 本店)."""
    return merchants.merchant_apply(
        municipality=town,
        name=name,
        name_roman=roman,
        address=f"{town.name}1-1",
        mcc=mcc,
        bank_code="1390",
        branch_code="001",
        account_type=1,
        account_number=account,
        holder_name="ミホン",
        actor=OPERATOR,
    )


def saku_area(*, year: int) -> dict[str, Any]:
    """Area settings and a paying account, budgets of 佐久市 and 小諸市 for fiscal `year`, an approved shop in
    each town, and a resident of each (hanako of 佐久市, taro of 小諸市)."""
    area = CurrencyArea.objects.get(slug="saku")
    AreaSettings.objects.create(
        area=area, operator_name="佐久地域コイン運営協議会", operator_invoice_number="T1234567890123"
    )
    PayerAccount.objects.create(
        area=area,
        label="main",
        requester_code="1234567890",
        requester_name="ｻｸﾁｲｷｺｲﾝ",
        bank_code="0143",
        branch_code="210",
        account_number="1234567",
    )
    town = {code: Municipality.objects.get(lg_code=code) for code in ("202177", "202088")}
    for m in town.values():
        money.budget_appropriate(
            municipality=m, year=year, amount=1_000_000, key=f"budget:{m.lg_code}:{year}", actor=OPERATOR
        )
    shops = {
        code: merchants.merchant_approve(merchant_id=shop_apply(town[code], name, roman).pk, actor=OPERATOR)
        for code, name, roman in (("202177", "見本パン店", "MIHON BAKERY"), ("202088", "見本そば処", "MIHON SOBA"))
    }
    return {
        "area": area,
        "town": town,
        "shops": shops,
        "hanako": make_resident("202177", "見本 花子"),
        "taro": make_resident("202088", "見本 太郎"),
    }
