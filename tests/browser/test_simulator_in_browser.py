"""The card simulator in a real Chromium: a counter clerk of 佐久市 walks all six steps with a virtual card in the
training town — one wrong PIN on the way — and ends with the completion recorded; nothing of 佐久市's ledger or
residents changes. The pages are plain forms: the walk needs no JavaScript, and axe finds nothing serious."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hiroba.identity.models import Resident, User
from hiroba.learning.models import ActivityCompletion
from hiroba.learning.simulator.models import Walk
from hiroba.ledger.models import Journal
from tests.browser.test_accessibility import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tries_left(page: Any) -> int:
    """The card's tries left, as the page says them (「残り 2 回(全 3 回)」, "2 of 3 tries left")."""
    return int(re.findall(r"\d+", page.locator("#pin-tries").inner_text())[0])


def walk_simulator(page: Any, site: str, *, axe: bool) -> list[str]:
    """Walk the whole simulator from its home page with a new virtual card, one wrong PIN on the way; returns axe's
    serious findings on the way when `axe` (the page's context has axe-core injected)."""

    def check(where: str) -> list[str]:
        return axe_serious(page, where) if axe else []

    # open the simulator and start with a new virtual card
    page.goto(f"{site}/learning/simulator/")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/step/1/")
    problems = check("step 1")

    # step 1: one wrong PIN counts down and says so, then the right PIN and password, then the consent
    page.fill("#pin", "9999")
    page.fill("#password", "RENSHU1")
    page.locator("form:has(input[value=sign]) button").click()
    assert "simulator.pin_wrong" in page.locator("#error-summary").inner_text()
    assert _tries_left(page) == 2
    page.fill("#pin", "1234")
    page.fill("#password", "renshu1")
    page.locator("form:has(input[value=sign]) button").click()
    assert "ひろば練習町" in page.locator("#consent-items").inner_text()
    problems += check("consent")
    page.check("#consent")
    page.locator("form:has(input[value=consent]) button").click()

    problems += _steps_2_to_6(page, check)
    page.wait_for_selector("#walk-complete")
    return problems + check("done")


def test_a_clerk_walks_every_step_of_the_simulator(site: str, open_context: Any, axe_script: Path) -> None:
    # given a counter clerk of 佐久市 signed in (the pages are plain forms; axe is injected to check them)
    clerk = User.objects.get(username="saku-counter")
    saku_journals = Journal.objects.exclude(chain="renshu").count()
    saku_residents = Resident.objects.filter(municipality_id="202177").count()
    context = open_context(user=clerk)
    context.add_init_script(path=str(axe_script))
    page = context.new_page()

    # when the clerk walks every step
    problems = walk_simulator(page, site, axe=True)

    # then the walk is complete, and recorded for the clerk
    walk = Walk.objects.get(trainee=clerk, current=True)
    assert walk.completed_at is not None
    assert walk.tracker in page.content()
    assert ActivityCompletion.objects.filter(staff__user=clerk, activity="simulator").exists()
    # and nothing of the real towns changed
    assert Journal.objects.exclude(chain="renshu").count() == saku_journals
    assert Resident.objects.filter(municipality_id="202177").count() == saku_residents
    assert problems == []


def _steps_2_to_6(page: Any, check: Callable[[str], list[str]]) -> list[str]:
    problems: list[str] = []
    # step 2: sign in with the PIN (the wrong try was forgotten by the right one)
    page.wait_for_url("**/step/2/")
    assert _tries_left(page) == 3
    page.fill("#pin", "1234")
    page.locator("form:has(input[value=sign_in]) button").click()

    # step 3: 1,000 training points arrived; convert them
    page.wait_for_url("**/step/3/")
    assert page.locator("#points-balance").inner_text() == "1,000"
    page.fill("#points", "1000")
    page.locator("form:has(input[value=convert]) button").click()

    # step 4: the training shop's QR code; pay 300 coins
    page.wait_for_url("**/step/4/")
    assert page.locator(".sim-qr img").get_attribute("src").startswith("data:image/svg+xml")
    assert page.locator("#coins-balance").inner_text() == "1,000"
    problems += check("step 4")
    page.fill("#amount", "300")
    page.locator("form:has(input[value=pay]) button").click()

    # step 5: the counter takes the offer, the proxy enters the code with their own PIN
    page.wait_for_url("**/step/5/")
    page.fill("#evidence", "委任状(練習)")
    page.locator("form:has(input[value=offer]) button").click()
    code = page.locator("#proxy-code").inner_text()
    page.fill("#code", code)
    page.fill("#pin", "1234")
    page.locator("form:has(input[value=accept]) button").click()

    # step 6: vote in the training poll
    page.wait_for_url("**/step/6/")
    problems += check("step 6")
    page.check("#choice-1")
    page.locator("form:has(input[value=vote]) button").click()

    return problems
