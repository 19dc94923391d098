"""A resident enrolls and signs in with a virtual My Number Card in a real Chromium, in Japanese and English.

The card client (identity/card.js) unwraps the key with the PIN inside the browser and signs with WebCrypto; the
server verifies it with the same validator as production, against the test rig's CA.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hiroba.core.audit import audit_verify
from hiroba.demo import demo_load
from hiroba.identity.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = {
    "ja": {"locale": "ja-JP", "name": "見本 住子", "address": "長野県佐久市中込3056", "town": "佐久市"},
    "en": {"locale": "en-US", "name": "見本 町男", "address": "長野県小諸市相生町3-3-3", "town": "Komoro City"},
}


@pytest.fixture
def site(live_server: Any, rig: Any) -> str:
    demo_load()
    return str(live_server.url)


@pytest.fixture
def new_page(open_context: Any) -> Any:
    return lambda locale: open_context(locale=locale).new_page()


def _sign(page: Any, card_file: Path, *, secret_field: str, secret: str) -> None:
    page.set_input_files("#card-file", str(card_file))
    page.fill(secret_field, secret)
    with page.expect_navigation():
        page.click("form[data-card-form] button[type=submit]")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_enroll_and_sign_in_with_a_virtual_card(site: str, rig: Any, new_page: Any, artifacts: Path, lang: str) -> None:
    case = CASES[lang]
    card_file = rig.card_file(rig.card(name=case["name"], address=case["address"]))
    page = new_page(case["locale"])

    # the sign-in page, in the browser's language
    page.goto(f"{site}/signin/")
    assert page.get_attribute("html", "lang") == lang
    if lang == "en":
        assert page.inner_text("h1") == "Sign in with your My Number Card"
    _sign(page, card_file, secret_field="#card-secret-auth", secret="1234")

    # an unknown card: sign once with the signature certificate
    assert page.url.endswith("/signin/enroll/")
    _sign(page, card_file, secret_field="#card-secret-sign", secret="abc123")  # the card upper-cases it

    # what will be kept, before anything is
    assert page.url.endswith("/signin/consent/")
    summary = page.inner_text("dl.summary")
    assert case["name"] in summary
    assert case["town"] in summary
    assert "中込" not in page.content()
    assert "相生町" not in page.content()
    page.screenshot(path=str(artifacts / f"consent-{lang}.png"), full_page=True)
    page.check("#consent")
    with page.expect_navigation():
        page.click("form button[type=submit] >> nth=-1")

    # my data
    assert page.url.endswith("/me/")
    pairwise = page.inner_text("[data-testid=pairwise-id]")
    assert pairwise.startswith("p1_")
    assert page.inner_text("[data-testid=display-name]") == case["name"]
    page.screenshot(path=str(artifacts / f"me-{lang}.png"), full_page=True)

    # sign out, and in again with the PIN only
    with page.expect_navigation():
        page.click("form[action='/signout/'] button")
    page.goto(f"{site}/signin/")
    _sign(page, card_file, secret_field="#card-secret-auth", secret="1234")
    assert page.url.endswith("/me/")
    assert page.inner_text("[data-testid=pairwise-id]") == pairwise
    assert Person.objects.count() == 1
    assert audit_verify()[1] == []


def test_a_wrong_pin_is_refused_in_the_browser(site: str, rig: Any, new_page: Any) -> None:
    card_file = rig.card_file(rig.card())
    page = new_page("ja-JP")
    page.goto(f"{site}/signin/")
    page.set_input_files("#card-file", str(card_file))
    page.fill("#card-secret-auth", "0000")
    page.click("form[data-card-form] button[type=submit]")
    alert = page.locator("[data-card-error]")
    alert.wait_for(state="visible")
    assert alert.get_attribute("role") == "alert"
    assert page.url.endswith("/signin/")
