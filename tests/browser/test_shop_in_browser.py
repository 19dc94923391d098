"""A shop's counter screen in a real Chromium: a resident pays and the payment shows up in the live list within
seconds, without a reload (htmx polling), in Japanese and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.fiscal import fiscal_year
from hiroba.identity.models import Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.wallet.models import Merchant
from hiroba.wallet.services import money, payments
from hiroba.wallet.tests.factories import saku_area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor.command_line()
LIVE_TIMEOUT_MS = 8_000  # the list polls every 3 s


@pytest.fixture
def shop(site: str) -> Merchant:
    """An approved bakery in Saku with its owner's merchant account."""
    bakery: Merchant = saku_area(year=fiscal_year(timezone.localdate()))["shops"]["202177"]
    owner = User.objects.create_user("bakery-owner", None, full_name="見本 店主", kind="merchant")
    Merchant.objects.filter(pk=bakery.pk).update(user=owner)
    return bakery


@pytest.fixture
def resident(shop: Merchant) -> Resident:
    hanako = make_resident("202177", "見本 花子")
    today = timezone.localdate()
    money.points_award(municipality=hanako.municipality, awards=[(hanako, 5000)], key="award", on=today, reason="steps")
    money.points_convert(resident=hanako, points=5000, key="convert", on=today, actor=OPERATOR)
    return hanako


def _signed_in_page(open_context: Any, locale: str) -> Any:
    """A page carrying the shop owner's session (signed in through the test client)."""
    owner = User.objects.get(username="bakery-owner")
    return open_context(locale=locale, viewport={"width": 1280, "height": 900}, user=owner).new_page()


@pytest.mark.parametrize(
    ("locale", "lang", "heading"),
    [("ja-JP", "ja", None), ("en-US", "en", "Today's payments")],
    ids=["ja", "en"],
)
def test_a_payment_appears_in_the_live_list_without_reloading(
    site: str,
    shop: Merchant,
    resident: Resident,
    open_context: Any,
    artifacts: Path,
    locale: str,
    lang: str,
    heading: str | None,
) -> None:
    # given: the counter screen is open in the shop's browser
    page = _signed_in_page(open_context, locale)
    console_errors: list[str] = []  # a CSP violation (inline script or style) would show up here
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{site}/shop/{shop.pk}/")
    assert page.get_attribute("html", "lang") == lang
    assert page.inner_text("[data-testid=shop-id]") == shop.pk
    assert page.locator("[data-testid=no-payments]").is_visible()
    if heading is not None:
        assert page.inner_text("#payments-heading") == heading
    page.evaluate("window.hirobaNotReloaded = true")

    # when: a resident pays from their phone (another device: the service layer here)
    paid = payments.pay_static(
        resident=resident,
        merchant_id=shop.pk,
        amount=1234,
        key=f"browser-{lang}",
        on=timezone.localdate(),
        actor=OPERATOR,
    )

    # then: within a few seconds the row is there, and the page was not reloaded
    row = page.wait_for_selector('#payments tr[data-amount="1234"]', timeout=LIVE_TIMEOUT_MS)
    assert row is not None
    assert row.get_attribute("data-journal") == paid.journal.key
    assert "¥1,234" in row.inner_text()
    assert page.evaluate("window.hirobaNotReloaded") is True
    assert page.locator("[data-testid=no-payments]").count() == 0
    # the refund field keeps what is typed while the list refreshes (hx-preserve)
    field = row.query_selector("input[name=amount]")
    assert field is not None
    field.fill("34")
    page.wait_for_timeout(3_500)
    assert page.locator('#payments tr[data-amount="1234"] input[name=amount]').input_value() == "34"
    # asking for an amount swaps in the dynamic QR code, still without a reload
    page.fill("#request-amount", "500")
    page.click("#request-panel button[type=submit]")
    qr = page.wait_for_selector("[data-testid=request-qr]")
    assert qr is not None
    assert "500" in qr.inner_text()
    assert page.evaluate("window.hirobaNotReloaded") is True
    page.screenshot(path=str(artifacts / f"shop-live-{lang}.png"), full_page=True)
    assert console_errors == []
