"""The printed papers of the money flow: each merchant's PDF statement next to its CSV (byte-identical when a
period is settled again) and the counter's receipt for coins bought with cash."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from hiroba.wallet.formats.tests.pdf import pages, text
from hiroba.wallet.models import AreaSettings, PaidRefundRule
from hiroba.wallet.services import money, payments, settlement
from hiroba.wallet.tests.conftest import OPERATOR, TODAY
from hiroba.wallet.tests.test_wallet import funded, refused


def test_settlement_writes_a_pdf_statement_per_merchant(saku: dict[str, Any], tmp_path: Path) -> None:
    # given payments at both towns' shops and a partial refund
    funded(saku)
    funded(saku, "taro", 500)
    soba, bakery = saku["shops"]["202088"], saku["shops"]["202177"]
    paid = payments.pay_static(
        resident=saku["hanako"], merchant_id=soba.pk, amount=800, key="s1", on=TODAY, actor=OPERATOR
    )
    payments.pay_static(resident=saku["taro"], merchant_id=bakery.pk, amount=500, key="s2", on=TODAY, actor=OPERATOR)
    payments.refund(merchant_id=soba.pk, payment_key=paid.journal.key, amount=100, key="s3", on=TODAY, actor=OPERATOR)
    period = TODAY.strftime("%Y-%m")
    # when the month is settled after it ends
    run = settlement.settle(
        area_slug="saku", period=period, out=tmp_path / "a", today=TODAY + timedelta(days=40), actor=OPERATOR
    )
    # then each merchant has a CSV and a one-page A4 PDF statement, both among the run's files
    names = {path.name for path in run.files}
    for shop in (soba, bakery):
        assert f"statement-{shop.pk}-{period}.csv" in names
        assert f"statement-{shop.pk}-{period}.pdf" in names
    by_shop = {s.merchant.pk: s for s in run.statements}
    pdf = (tmp_path / "a" / f"statement-{soba.pk}-{period}.pdf").read_bytes()
    assert len(pages(pdf)) == 1
    content = text(pdf)
    if content is not None:
        fee = by_shop[soba.pk].fee
        for expected in (
            "見本そば処",
            soba.pk,
            "佐久地域コイン運営協議会",
            "T1234567890123",
            "決済手数料",
            "800 円",
            "-100 円",
            f"{by_shop[soba.pk].payout:,} 円",
            f"-{fee:,} 円",
            "s3",
        ):
            assert expected in content, expected
    # and settling again writes the same bytes, PDFs included
    settlement.settle(
        area_slug="saku", period=period, out=tmp_path / "b", today=TODAY + timedelta(days=41), actor=OPERATOR
    )
    written = sorted((tmp_path / "a").iterdir())
    assert sum(path.suffix == ".pdf" for path in written) == 2
    for path in written:
        assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_counter_sale_prints_a_receipt_with_the_amount(saku: dict[str, Any]) -> None:
    AreaSettings.objects.filter(area__slug="saku").update(paid_refund_rule=PaidRefundRule.ON_CLOSURE)
    journal = money.coins_sell(resident=saku["hanako"], amount=3_000, key="sale:0001", on=TODAY, actor=OPERATOR)
    pdf = money.coins_sell_receipt(journal=journal)
    assert pdf == money.coins_sell_receipt(journal=journal)
    assert pages(pdf) == [(419.5276, 595.2756)]  # A5
    content = text(pdf)
    if content is not None:
        assert journal.final_at is not None
        issued = journal.final_at.astimezone(money.TOKYO).strftime("%Y-%m-%d %H:%M")
        coin = saku["area"].currency_name
        for expected in ("領収書", "sale:0001", "見本 花子 様", "3,000", issued, "佐久市", coin, "前払式支払手段"):
            assert expected in content, expected
        assert "地域通貨の廃止時のみ返金" in content


def test_only_a_cash_sale_has_a_receipt(saku: dict[str, Any]) -> None:
    conversion = funded(saku)
    refused("wallet.not_a_cash_sale", money.coins_sell_receipt, journal=conversion)
