"""The demo's wallet: enrolled residents, eight shops and last month's history that settles into real files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hiroba.core.audit import Actor, audit_verify
from hiroba.demo import demo_rig, demo_wallet
from hiroba.ledger.models import Journal
from hiroba.ledger.selectors import ledger_verify
from hiroba.wallet.formats import zengin
from hiroba.wallet.services.settlement import settle

TODAY = date(2026, 11, 26)


def test_the_demo_month_settles_into_files_that_read_back(rig: Any, demo: Any, tmp_path: Path) -> None:
    demo_rig()
    period = demo_wallet(TODAY)
    assert period == "2026-10"
    journals = Journal.objects.count()
    assert demo_wallet(TODAY) == period
    assert Journal.objects.count() == journals
    kinds = set(Journal.objects.values_list("kind", flat=True))
    assert {"points", "conversion", "payment", "refund", "expire", "grant"} <= kinds
    run = settle(area_slug="saku", period=period, out=tmp_path, today=TODAY, actor=Actor.command_line())
    transfers = zengin.read((tmp_path / f"zengin-main-{period}.txt").read_bytes(), reference_date=TODAY)
    assert transfers.total == run.settlement.total > 0
    assert transfers.header.transfer_date == date(2026, 11, 2)  # 10/31 is a Saturday: the next bank business day
    assert {code for code, *_ in run.clearing} == {"202177", "202088", "203238", "203246"}
    assert ledger_verify()[1] == []
    assert audit_verify()[1] == []
