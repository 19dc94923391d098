"""Wallet fixtures: the Saku area with its settings, a paying bank account, residents, approved shops."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hiroba.core.audit import Actor
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import CurrencyArea, Municipality
from hiroba.wallet.models import AreaSettings, PayerAccount
from hiroba.wallet.services import merchants, money

TODAY = date(2026, 11, 26)
OPERATOR = Actor.command_line()


@pytest.fixture
def saku(demo: Any) -> dict[str, Any]:
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
            municipality=m, year=2026, amount=1_000_000, key=f"budget:{m.lg_code}:2026", actor=OPERATOR
        )
    shops = {}
    for code, name, roman in (("202177", "見本パン店", "MIHON BAKERY"), ("202088", "見本そば処", "MIHON SOBA")):
        shop = merchants.merchant_apply(
            municipality=town[code],
            name=name,
            name_roman=roman,
            address=f"{town[code].name}1-1",
            mcc="5812",
            bank_code="1390",
            branch_code="001",
            account_type=1,
            account_number="7654321",
            holder_name="ミホン",
            actor=OPERATOR,
        )
        shops[code] = merchants.merchant_approve(merchant_id=shop.pk, actor=OPERATOR)
    return {
        "area": area,
        "town": town,
        "shops": shops,
        "hanako": make_resident("202177", "見本 花子"),
        "taro": make_resident("202088", "見本 太郎"),
    }
