"""The coin end to end through the services: points → coins within budget, paying across towns, refunds into
the original lots, codes used once, cash coins kept apart, expiry, settlement files and the clearing report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.core.errors import AppError
from hiroba.ledger.models import Account, Lot
from hiroba.ledger.selectors import ledger_verify
from hiroba.ledger.services import ledger_expire
from hiroba.wallet.formats import jpqr, zengin
from hiroba.wallet.services import accounts, merchants, money, payments, settlement
from hiroba.wallet.tests.conftest import OPERATOR, TODAY


def refused(expected: str, fn: Any, *args: Any, **kwargs: Any) -> AppError:
    with pytest.raises(AppError) as caught:
        fn(*args, **kwargs)
    assert caught.value.code == expected, caught.value.code
    return caught.value


def coins(resident: Any) -> int:
    return Account.objects.get(key=accounts.resident_wallet(resident).key).balance


def funded(saku: dict[str, Any], who: str = "hanako", points: int = 1000) -> Any:
    resident = saku[who]
    money.points_award(
        municipality=resident.municipality,
        awards=[(resident, points)],
        key=f"award:{who}:{points}",
        on=TODAY,
        reason="steps",
    )
    return money.points_convert(
        resident=resident, points=points, key=f"convert:{who}:{points}", on=TODAY, actor=OPERATOR
    )


def test_points_become_coins_funded_by_the_home_towns_budget(saku: dict[str, Any]) -> None:
    funded(saku)
    assert coins(saku["hanako"]) == 1000
    lot = Lot.objects.get(account__key=accounts.resident_wallet(saku["hanako"]).key)
    assert (lot.funder_id, lot.paid, lot.expires_on) == ("202177", False, TODAY + timedelta(days=180))
    assert Account.objects.get(key="b:202177:2026").balance == 999_000


def test_conversion_rules_and_budget_are_enforced(saku: dict[str, Any]) -> None:
    hanako = saku["hanako"]
    money.points_award(
        municipality=hanako.municipality, awards=[(hanako, 5_000_000)], key="award-big", on=TODAY, reason="test"
    )
    refused(
        "wallet.conversion_step", money.points_convert, resident=hanako, points=150, key="c1", on=TODAY, actor=OPERATOR
    )
    refused(
        "wallet.conversion_step", money.points_convert, resident=hanako, points=50, key="c2", on=TODAY, actor=OPERATOR
    )
    error = refused(
        "wallet.budget_exhausted",
        money.points_convert,
        resident=hanako,
        points=1_000_100,
        key="c3",
        on=TODAY,
        actor=OPERATOR,
    )
    assert "予算" in error.message_ja
    refused(
        "wallet.not_enough_points",
        money.points_convert,
        resident=saku["taro"],
        points=100,
        key="c4",
        on=TODAY,
        actor=OPERATOR,
    )


def test_paying_at_a_shop_in_another_town_and_refunding_into_the_same_lots(saku: dict[str, Any]) -> None:
    funded(saku)
    komoro_shop = saku["shops"]["202088"]
    payment = payments.pay_static(
        resident=saku["hanako"], merchant_id=komoro_shop.pk, amount=600, key="k1", on=TODAY, actor=OPERATOR
    )
    assert coins(saku["hanako"]) == 400
    # the same key again is the same payment; with another amount it is refused
    assert (
        payments.pay_static(
            resident=saku["hanako"], merchant_id=komoro_shop.pk, amount=600, key="k1", on=TODAY, actor=OPERATOR
        ).journal.pk
        == payment.journal.pk
    )
    refused(
        "ledger.idempotency_mismatch",
        payments.pay_static,
        resident=saku["hanako"],
        merchant_id=komoro_shop.pk,
        amount=601,
        key="k1",
        on=TODAY,
        actor=OPERATOR,
    )
    payments.refund(
        merchant_id=komoro_shop.pk, payment_key=payment.journal.key, amount=200, key="r1", on=TODAY, actor=OPERATOR
    )
    payments.refund(
        merchant_id=komoro_shop.pk, payment_key=payment.journal.key, amount=300, key="r2", on=TODAY, actor=OPERATOR
    )
    error = refused(
        "wallet.refund_too_large",
        payments.refund,
        merchant_id=komoro_shop.pk,
        payment_key=payment.journal.key,
        amount=101,
        key="r3",
        on=TODAY,
        actor=OPERATOR,
    )
    assert error.detail == {"refundable": 100}
    assert coins(saku["hanako"]) == 900
    assert Lot.objects.get(account__key=accounts.resident_wallet(saku["hanako"]).key).remaining == 900
    assert ledger_verify()[1] == []


@pytest.mark.parametrize("amount", [0, -1, 1.5, 100_001])
def test_bad_amounts_are_refused_and_write_nothing(saku: dict[str, Any], amount: Any) -> None:
    funded(saku)
    refused(
        "wallet.amount",
        payments.pay_static,
        resident=saku["hanako"],
        merchant_id=saku["shops"]["202177"].pk,
        amount=amount,
        key="bad",
        on=TODAY,
        actor=OPERATOR,
    )
    assert coins(saku["hanako"]) == 1000


def test_unknown_suspended_and_other_area_shops_are_refused(saku: dict[str, Any]) -> None:
    funded(saku)
    shop = saku["shops"]["202177"]
    refused(
        "wallet.merchant_unknown",
        payments.pay_static,
        resident=saku["hanako"],
        merchant_id="m_nope",
        amount=10,
        key="u1",
        on=TODAY,
        actor=OPERATOR,
    )
    merchants.merchant_suspend(merchant_id=shop.pk, reason="閉店手続き中", actor=OPERATOR)
    refused(
        "wallet.merchant_suspended",
        payments.pay_static,
        resident=saku["hanako"],
        merchant_id=shop.pk,
        amount=10,
        key="u2",
        on=TODAY,
        actor=OPERATOR,
    )
    from hiroba.identity.tests.factories import make_resident

    outsider = make_resident("111007")
    refused(
        "wallet.other_area",
        payments.pay_static,
        resident=outsider,
        merchant_id=saku["shops"]["202088"].pk,
        amount=10,
        key="u3",
        on=TODAY,
        actor=OPERATOR,
    )


def test_a_dynamic_request_is_paid_once_and_expires(saku: dict[str, Any]) -> None:
    funded(saku)
    request, payload = payments.payment_request_create(
        merchant_id=saku["shops"]["202177"].pk, amount=350, actor=OPERATOR
    )
    qr = jpqr.decode(payload)
    assert (qr.amount, qr.reference, qr.merchant_id) == (350, request.pk, saku["shops"]["202177"].pk)
    payments.pay_request(resident=saku["hanako"], request_id=request.pk, on=TODAY, actor=OPERATOR)
    refused(
        "wallet.request_paid",
        payments.pay_request,
        resident=saku["taro"],
        request_id=request.pk,
        on=TODAY,
        actor=OPERATOR,
    )
    late, _ = payments.payment_request_create(merchant_id=saku["shops"]["202177"].pk, amount=10, actor=OPERATOR)
    type(late).objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused(
        "wallet.request_expired",
        payments.pay_request,
        resident=saku["hanako"],
        request_id=late.pk,
        on=TODAY,
        actor=OPERATOR,
    )
    assert coins(saku["hanako"]) == 650


def test_a_customer_code_pays_once_and_a_tampered_or_old_code_does_not(saku: dict[str, Any]) -> None:
    funded(saku)
    shop = saku["shops"]["202177"].pk
    code = payments.customer_code_issue(resident=saku["hanako"], now=1_800_000_000)
    payments.charge_customer_code(merchant_id=shop, code=code, amount=120, on=TODAY, actor=OPERATOR, now=1_800_000_010)
    refused(
        "wallet.code_used",
        payments.charge_customer_code,
        merchant_id=shop,
        code=code,
        amount=50,
        on=TODAY,
        actor=OPERATOR,
        now=1_800_000_020,
    )
    fresh = payments.customer_code_issue(resident=saku["hanako"], now=1_800_000_000)
    tampered = fresh[:-2] + ("A" if fresh[-2] != "A" else "B") + fresh[-1]
    refused(
        "wallet.code_signature",
        payments.charge_customer_code,
        merchant_id=shop,
        code=tampered,
        amount=1,
        on=TODAY,
        actor=OPERATOR,
        now=1_800_000_010,
    )
    refused(
        "wallet.code_expired",
        payments.charge_customer_code,
        merchant_id=shop,
        code=fresh,
        amount=1,
        on=TODAY,
        actor=OPERATOR,
        now=1_800_000_500,
    )
    assert coins(saku["hanako"]) == 880


def test_cash_coins_are_kept_apart_and_expiry_returns_granted_coins_to_their_funder(saku: dict[str, Any]) -> None:
    funded(saku, points=300)
    money.coins_sell(resident=saku["hanako"], amount=500, key="receipt-1", on=TODAY, actor=OPERATOR)
    lots = {lot.paid: lot for lot in Lot.objects.filter(account__key=accounts.resident_wallet(saku["hanako"]).key)}
    assert (lots[False].amount, lots[True].amount) == (300, 500)
    ledger_expire(on=TODAY + timedelta(days=181))  # granted coins lapse after 180 days, paid ones after 365
    assert coins(saku["hanako"]) == 500
    assert Account.objects.get(kind="expiry", municipality_id="202177").balance == 300
    assert ledger_verify()[1] == []


def test_a_bank_the_master_does_not_know_is_refused(saku: dict[str, Any]) -> None:
    refused(
        "wallet.unknown_bank",
        merchants.merchant_apply,
        municipality=saku["town"]["202177"],
        name="店",
        name_roman="SHOP",
        address="佐久市",
        mcc="5812",
        bank_code="9998",
        branch_code="001",
        account_type=1,
        account_number="1",
        holder_name="ﾐﾎﾝ",
        actor=OPERATOR,
    )


def test_settlement_pays_merchants_and_charges_the_funding_towns(saku: dict[str, Any], tmp_path: Path) -> None:
    # given 佐久市's resident spending at both towns' shops, and a partial refund
    funded(saku)
    funded(saku, "taro", 500)
    soba, bakery = saku["shops"]["202088"], saku["shops"]["202177"]
    paid = payments.pay_static(
        resident=saku["hanako"], merchant_id=soba.pk, amount=800, key="s1", on=TODAY, actor=OPERATOR
    )
    payments.pay_static(resident=saku["taro"], merchant_id=bakery.pk, amount=500, key="s2", on=TODAY, actor=OPERATOR)
    payments.refund(merchant_id=soba.pk, payment_key=paid.journal.key, amount=100, key="s3", on=TODAY, actor=OPERATOR)
    period = TODAY.strftime("%Y-%m")
    refused(
        "wallet.period_open",
        settlement.settle,
        area_slug="saku",
        period=period,
        out=tmp_path,
        today=TODAY,
        actor=OPERATOR,
    )
    # when the month is settled after it ends
    run = settlement.settle(
        area_slug="saku",
        period=period,
        out=tmp_path / "a",
        today=TODAY.replace(day=28) + timedelta(days=10),
        actor=OPERATOR,
    )
    # then the Zengin file pays each shop its net minus the 1.5% fee (rounded down) and reads back
    file = zengin.read((tmp_path / "a" / f"zengin-main-{period}.txt").read_bytes())
    assert sorted(t.amount for t in file.transfers) == sorted([700 - 700 * 150 // 10_000, 500 - 500 * 150 // 10_000])
    assert file.total == run.settlement.total
    assert file.header.transfer_date.weekday() < 5
    # and the clearing report charges each town what its residents' coins paid for
    assert run.clearing == [("202088", "小諸市", 500, 0), ("202177", "佐久市", 700, 0)]
    # settling again writes the same bytes; after the transfer the period is closed
    settlement.settle(
        area_slug="saku", period=period, out=tmp_path / "b", today=TODAY + timedelta(days=40), actor=OPERATOR
    )
    for path in (tmp_path / "a").iterdir():
        assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes()
    settlement.settlement_mark_transferred(area_slug="saku", period=period, actor=OPERATOR)
    refused(
        "wallet.period_closed",
        settlement.settle,
        area_slug="saku",
        period=period,
        out=tmp_path / "c",
        today=TODAY + timedelta(days=40),
        actor=OPERATOR,
    )
    # a failed transfer goes back to the shop's balance for next time
    failed = zengin.write(zengin.TransferFile(file.header, tuple(t for t in file.transfers if t.amount < 600)))
    assert settlement.transfer_failures_import(area_slug="saku", period=period, data=failed, actor=OPERATOR)
    assert ledger_verify()[1] == []
