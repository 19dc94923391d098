"""Channels beyond e-mail in a real Chromium: a resident checks her balance at the town office's kiosk with her
printed card and PIN (no sign-in), and a resident chooses letters on the contact page. No page may break the
Content Security Policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.assist.models import ContactPreference
from hiroba.core.audit import Actor
from hiroba.core.fiscal import fiscal_year
from hiroba.wallet.services import cards, money
from hiroba.wallet.tests.factories import saku_area
from tests.browser.test_wallet_in_browser import _signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor.command_line()


def test_a_resident_reads_her_balance_at_the_kiosk_with_her_printed_card(
    site: str, open_context: Any, artifacts: Path
) -> None:
    # given hanako with 1,200 coins and a printed card
    today = timezone.localdate()
    hanako = saku_area(year=fiscal_year(today))["hanako"]
    money.points_award(municipality=hanako.municipality, awards=[(hanako, 1200)], key="aw", on=today, reason="t")
    money.points_convert(resident=hanako, points=1200, key="cv", on=today, actor=OPERATOR)
    card, _ = cards.card_issue(resident=hanako, pin="2580", daily_limit=5_000, actor=OPERATOR)

    # the kiosk's start page, at a terminal nobody is signed in to
    page = open_context(locale="ja-JP", viewport={"width": 1080, "height": 1920}).new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{site}/kiosk/")
    assert page.evaluate("document.activeElement.id") == "kiosk-card"  # the reader types into it

    # a wrong PIN first: refused with what is left, the card ID kept
    page.keyboard.type(card.pk)
    page.fill("#kiosk-pin", "1111")
    with page.expect_navigation():
        page.click("form[action='/kiosk/'][method=post] button[type=submit]")
    assert "暗証番号が違います。" in page.inner_text("#error-summary")
    assert page.input_value("#kiosk-card") == card.pk
    card.refresh_from_db()
    assert card.failed_attempts == 1

    # the right PIN: the balance in very large print, and back to the start after a minute
    page.fill("#kiosk-pin", "2580")
    with page.expect_navigation() as shown:
        page.click("form[action='/kiosk/'][method=post] button[type=submit]")
    assert page.url == f"{site}/kiosk/balance/"
    assert shown.value.headers["refresh"] == "60; url=/kiosk/"
    assert page.inner_text("[data-testid=kiosk-coins]").startswith("1,200")  # 1,200円 (1,200 yen before translation)
    assert page.inner_text("[data-testid=kiosk-script]").startswith("残高は1,200円です。そのうち1,200円を使えるのは")
    assert float(page.eval_on_selector(".kiosk-amount", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 48

    # where the browser can speak, the read-aloud button is shown and speaks the kana reading
    if page.evaluate("'speechSynthesis' in window"):
        button = page.locator("[data-read-aloud]")
        assert button.is_visible()
        assert button.get_attribute("data-speech").startswith("残高はせんにひゃくえんです。")
        button.click()
    page.screenshot(path=str(artifacts / "assist-kiosk-balance.png"), full_page=True)

    # "finish" clears it: the balance page is gone
    with page.expect_navigation():
        page.click("a.kiosk-button")
    page.goto(f"{site}/kiosk/balance/")
    assert page.url == f"{site}/kiosk/"
    assert violations == []


def test_a_resident_chooses_letters_on_the_contact_page(site: str, open_context: Any, artifacts: Path) -> None:
    hanako = saku_area(year=fiscal_year(timezone.localdate()))["hanako"]
    page, violations = _signed_in_page(open_context, "ja-JP", hanako)
    page.goto(f"{site}/assist/contact/")
    assert page.is_checked("input[name=channel][value=app]")

    # letters without a proper postal code: the problem is named beside the field
    page.check("input[name=channel][value=letter]")
    page.fill("input[name=postal_code]", "385")
    page.fill("input[name=address]", "長野県佐久市中込3056 見本荘101")
    with page.expect_navigation():
        page.click("form[action='/assist/contact/'] button[type=submit]")
    assert "郵便番号は7桁の数字で入力してください" in page.inner_text("#error-summary")
    assert page.get_attribute("input[name=postal_code]", "aria-invalid") == "true"
    assert page.is_checked("input[name=channel][value=letter]")

    # full-width digits, as a Japanese keyboard types them, are fine
    page.fill("input[name=postal_code]", "３８５－００５１")
    with page.expect_navigation():
        page.click("form[action='/assist/contact/'] button[type=submit]")
    assert page.url == f"{site}/assist/contact/"
    assert page.locator("[role=status] .notice").count() == 1
    assert page.input_value("input[name=postal_code]") == "385-0051"
    page.screenshot(path=str(artifacts / "assist-contact.png"), full_page=True)
    assert ContactPreference.objects.values_list("channel", "postal_code", "phone").get(resident=hanako) == (
        "letter", "385-0051", ""
    )  # fmt: skip
    assert violations == []
