"""The demo's health data: imported exports, a held day, a checkup archive and three weeks of awards."""

from __future__ import annotations

from datetime import date
from typing import Any

from hiroba.demo import demo_health, demo_rig
from hiroba.health.models import Award, CheckupRecord, DayStatus, StepDay
from hiroba.ledger.models import Journal
from hiroba.ledger.selectors import ledger_verify

TODAY = date(2026, 11, 26)


def test_the_demo_awards_three_weeks_and_loading_again_changes_nothing(rig: Any, demo: Any) -> None:
    demo_rig()
    demo_health(TODAY)
    assert StepDay.objects.filter(status=DayStatus.HELD).count() == 1
    assert CheckupRecord.objects.filter(kind="tokutei").count() == 2
    assert Award.objects.filter(component="checkup:tokutei").count() == 2
    assert set(Award.objects.values_list("rule_version__municipality_id", flat=True)) == {
        "202177",
        "202088",
        "203238",
        "203246",
    }
    journals = Journal.objects.count()
    demo_health(TODAY)
    assert Journal.objects.count() == journals
    assert ledger_verify()[1] == []
