"""Paid coins (bought with cash) are refunded only under the area's rule, only from paid lots."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.core.errors import AppError
from hiroba.ledger.models import Account, Lot
from hiroba.ledger.selectors import ledger_verify
from hiroba.wallet.models import AreaSettings, PaidRefundRule
from hiroba.wallet.services import accounts, money
from hiroba.wallet.services.prepaid import paid_coins_refund
from hiroba.wallet.tests.conftest import OPERATOR, TODAY


@pytest.fixture
def hanako(saku: dict[str, Any]) -> Any:
    resident = saku["hanako"]
    money.points_award(municipality=resident.municipality, awards=[(resident, 500)], key="aw", on=TODAY, reason="t")
    money.points_convert(resident=resident, points=500, key="cv", on=TODAY, actor=OPERATOR)
    money.coins_sell(resident=resident, amount=1000, key="sale", on=TODAY, actor=OPERATOR)
    return resident


@pytest.mark.parametrize("rule", [PaidRefundRule.NONE, PaidRefundRule.ON_CLOSURE])
def test_refunds_are_refused_where_the_rule_forbids_them(hanako: Any, rule: str) -> None:
    AreaSettings.objects.filter(area__slug="saku").update(paid_refund_rule=rule)
    with pytest.raises(AppError) as refused:
        paid_coins_refund(resident=hanako, amount=100, key="r", on=TODAY, actor=OPERATOR)
    assert refused.value.code == "wallet.paid_refund_not_allowed"


def test_only_paid_coins_are_refunded_in_cash(hanako: Any) -> None:
    AreaSettings.objects.filter(area__slug="saku").update(paid_refund_rule=PaidRefundRule.ANY_TIME)
    paid_coins_refund(resident=hanako, amount=600, key="r1", on=TODAY, actor=OPERATOR)
    lots = dict(Lot.objects.filter(account__key=accounts.resident_wallet(hanako).key).values_list("paid", "remaining"))
    assert lots == {True: 400, False: 500}  # the granted 500 coins are untouched
    with pytest.raises(AppError) as refused:
        paid_coins_refund(resident=hanako, amount=401, key="r2", on=TODAY, actor=OPERATOR)
    assert (refused.value.code, refused.value.detail) == ("wallet.paid_refund_too_large", {"refundable": 400})
    assert Account.objects.get(key=f"cash:{hanako.municipality_id}").balance == -400
    assert ledger_verify()[1] == []
