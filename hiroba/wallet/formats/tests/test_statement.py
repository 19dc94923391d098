"""The merchant's PDF statement: the same input gives the same bytes, the fee reads as a qualified invoice, and a
long period runs on over more pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hiroba.wallet.formats.statement import statement_pdf
from hiroba.wallet.formats.tests.pdf import pages, text

A4 = (595.2756, 841.8898)


def statement(lines: list[tuple[str, str, int]], **overrides: Any) -> bytes:
    fields: dict[str, Any] = {
        "operator_name": "佐久地域コイン運営協議会",
        "invoice_number": "T1234567890123",
        "shop_name": "見本パン店",
        "shop_id": "m_4f2a",
        "period": "2026-11 (2026-11-01 – 2026-11-30)",
        "lines": lines,
        "gross": 1_300,
        "refunds": 100,
        "fee": 18,
        "fee_rate_text": "1.50%",
        "tax": 1,
        "payout": 1_182,
    } | overrides
    return statement_pdf(**fields)


SHORT = [
    ("2026-11-03 10:15:00", "pay:s1", 800),
    ("2026-11-04 11:00:00", "pay:s2", 500),
    ("2026-11-05 09:30:00", "refund:s3", -100),
]


def test_the_same_statement_gives_the_same_bytes() -> None:
    assert statement(SHORT) == statement(SHORT)
    assert statement(SHORT) != statement(SHORT, payout=1_183)


def test_a_statement_is_one_a4_page_naming_the_shop_the_issuer_and_the_amounts() -> None:
    pdf = statement(SHORT)
    assert pages(pdf) == [A4]
    content = text(pdf)
    if content is None:
        pytest.skip("pdftotext is not installed")
    for expected in (
        "精算明細書",
        "見本パン店",
        "m_4f2a",
        "佐久地域コイン運営協議会",
        "T1234567890123",
        "決済手数料",
        "1.50%",
        "1,300 円",
        "-100 円",
        "-18 円",
        "1,182 円",
        "pay:s1",
        "refund:s3",
        "2026-11-05 09:30:00",
    ):
        assert expected in content, expected


def test_a_long_period_continues_on_more_pages() -> None:
    lines = [(f"2026-11-{day % 30 + 1:02d} 12:00:00", f"pay:{n:04d}", 100) for n, day in enumerate(range(100))]
    pdf = statement(lines)
    assert len(pages(pdf)) == 3
    content = text(pdf)
    if content is None:
        return
    assert "pay:0000" in content
    assert "pay:0099" in content
    assert re.search(r"\b3 ?/ ?3\b", content)


def test_a_period_without_transactions_still_gives_a_statement() -> None:
    pdf = statement([], gross=0, refunds=0, fee=0, tax=0, payout=0)
    assert pages(pdf) == [A4]
    content = text(pdf)
    if content is not None:
        assert "No transactions" in content


def test_long_keys_and_names_do_not_break_the_layout() -> None:
    pdf = statement([("2026-11-03 10:15:00", "pay:" + "x" * 120, 800)], shop_name="とても長い名前の見本店" * 8)
    assert pages(pdf) == [A4]
