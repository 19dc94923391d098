"""The counter's receipt for coins bought with cash: one large-print A5 page, the same bytes for the same sale."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.wallet.formats.receipt import receipt_pdf
from hiroba.wallet.formats.tests.pdf import pages, text

A5 = (419.5276, 595.2756)


def receipt(**overrides: Any) -> bytes:
    fields: dict[str, Any] = {
        "town": "佐久市",
        "receipt_number": "sell_202177:0001",
        "resident_name": "見本 花子",
        "amount": 10_000,
        "issued_at": "2026-11-26 10:15",
        "coin_name": "佐久コイン",
        "note": "購入コインの返金なし",
    } | overrides
    return receipt_pdf(**fields)


def test_the_same_sale_gives_the_same_bytes() -> None:
    assert receipt() == receipt()
    assert receipt() != receipt(amount=10_001)


def test_a_receipt_states_the_amount_the_prepaid_instrument_and_the_refund_rule() -> None:
    pdf = receipt()
    assert pages(pdf) == [A5]
    content = text(pdf)
    if content is None:
        pytest.skip("pdftotext is not installed")
    for expected in (
        "領収書",
        "sell_202177:0001",
        "見本 花子 様",
        "10,000",
        "2026-11-26 10:15",
        "佐久コイン",
        "前払式支払手段",
        "購入コインの返金なし",
        "佐久市",
    ):
        assert expected in content, expected


def test_a_long_note_is_wrapped_on_the_page() -> None:
    note = "地域通貨が廃止されるときに限り、法令の定めに従って窓口で払い戻します。" * 3
    pdf = receipt(note=note, resident_name="見本" * 30)
    assert pages(pdf) == [A5]
    content = text(pdf)
    if content is not None:
        assert "払い戻します" in content.replace("\n", "")
