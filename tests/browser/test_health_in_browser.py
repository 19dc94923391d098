"""A resident's health page in a real Chromium: she agrees to Apple Health, uploads her export.xml, and sees each
day's figure (the larger of her iPhone and watch, not the sum) and, after the night's award run, the points each
day earned. No page may break the Content Security Policy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.demo import DEMO_RULE, demo_load
from hiroba.health import services
from hiroba.health.samples.apple import daily_walks
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import Municipality
from tests.browser.test_wallet_in_browser import _signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_uploads_an_export_and_sees_days_and_points(
    live_server: Any, open_context: Any, artifacts: Path, tmp_path: Path
) -> None:
    demo_load()
    site = str(live_server.url)
    today = timezone.localdate()
    start = today - timedelta(days=10)
    services.rule_version_add(
        municipality=Municipality.objects.get(lg_code="202177"),
        document=DEMO_RULE,
        valid_from=start,
        note="",
        actor=Actor.command_line(),
        today=start,
    )
    hanako = make_resident("202177")
    page, violations = _signed_in_page(open_context, "ja-JP", hanako)
    page.goto(f"{site}/health/")
    assert page.get_attribute("html", "lang") == "ja"

    # she agrees to Apple Health data on the page
    apple = page.locator("li", has_text="Apple ヘルスケア（iPhone、Apple Watch）")
    apple.get_by_role("button", name="同意する").click()
    assert "同意を記録しました" in page.inner_text("body")

    # and uploads her export: two days, one walked with both the iPhone and the watch
    day1, day2 = today - timedelta(days=2), today - timedelta(days=1)
    export = tmp_path / "export.xml"
    export.write_bytes(
        daily_walks(
            [(day1, "花子のiPhone", 6200), (day1, "花子のApple Watch", 5900), (day2, "花子のiPhone", 8100)]
        ).getvalue()
    )
    page.set_input_files("#export", str(export))
    page.get_by_role("button", name="送信").click()
    assert "2 日分を取り込みました" in page.inner_text("body")
    assert page.inner_text(f"[data-testid=steps-{day1.isoformat()}]") == "6,200"  # the larger device, not 12,100
    assert page.inner_text(f"[data-testid=steps-{day2.isoformat()}]") == "8,100"

    # the night's award run grants the day's tier (and the first-participation bonus on her first day)
    services.award_run(on=today, actor=Actor.command_line())
    page.reload()
    assert page.inner_text(f"[data-testid=points-{day1.isoformat()}]") == "+53"  # 3 for 6,000+ and 50 to start
    assert page.inner_text(f"[data-testid=points-{day2.isoformat()}]") == "+5"
    assert "歩数 3, 初参加 50" in page.inner_text("body")  # what each day's points were for
    page.screenshot(path=str(artifacts / "health-resident.png"), full_page=True)
    assert violations == []
