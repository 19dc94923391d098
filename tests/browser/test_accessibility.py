"""Accessibility in a real Chromium: axe-core on every page each role of the demo can reach, in Japanese and English,
the text-size switch, the error summary and the accessibility policy page.

The crawl starts from each role's entry pages and follows same-origin links (GET only; no sign-out, downloads or
files), so a page added later is checked without being listed here. Pages that differ only in an ID (another town,
another shop) are checked once. axe-core comes from package-lock.json (`make install` runs `npm ci`)."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from hiroba.demo import (
    ENROLLED_RESIDENTS,
    demo_assist,
    demo_cocreation,
    demo_health,
    demo_learning,
    demo_load,
    demo_rig,
    demo_voting,
    demo_wallet,
    demo_workshop_day,
)
from hiroba.identity.models import User
from hiroba.wallet.models import Merchant
from tests.browser.test_wallet_in_browser import _saku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PAGES_PER_ROLE = 60  # the staff role has the most kinds of page: it reaches them all within this
FAILING_IMPACTS = {"serious", "critical"}
# Links the crawl never follows: signing out, files (poster.pdf, statements, card files), the API and operations.
SKIPPED = re.compile(r"/(signout|logout|signout-everywhere)/|/[^/]+\.[a-z0-9]+$|^/(api|static|metrics|healthz|readyz)")
POLICY_LINK = "footer a[href='/accessibility/']"
# Path segments that are IDs: a town's code, a shop, a period, a grant, a token. Pages differing only there are alike.
# numbers, prefixed ids (m_…, id_…), long tokens, and a poll's Belenios uuid (14 Base58 characters, mixed case)
ID_SEGMENT = re.compile(r"^(\d[\d-]*|[a-z]{1,2}\d?_[\w-]+|[\w-]{20,}|(?=.*[A-Z])(?=.*[a-z])[1-9A-HJ-NP-Za-km-z]{14})$")

# The demo's roles and where each starts; staff of a town hold one role each, so three of them sign in.
ROLES: dict[str, tuple[list[str], list[str]]] = {
    "anonymous": ([""], ["/", "/signin/", "/merchant/login/", "/dev/cards/", "/kiosk/", "/no-such-page/"]),
    "resident": (["resident"], ["/me/", "/wallet/", "/health/", "/assist/", "/polls/"]),
    "proxy": (["proxy"], ["/assist/"]),
    "shop": (["bakery-shop"], ["/shop/"]),
    "staff": (["saku-admin", "saku-health", "saku-finance", "saku-counter", "saku-credentials"], ["/staff/"]),
    "agency": (["agency"], ["/staff/"]),
}


@pytest.fixture
def full_demo(live_server: Any, rig: Any, settings: Any, tmp_path: Path) -> str:
    """The whole demo, as `hiroba demo` loads it: tenants, staff, enrolled residents, shops, a month of payments,
    three weeks of health data, and a tallied and an open poll."""
    settings.VAR_DIR = tmp_path  # the demo's trustee keys
    today = timezone.localdate()
    demo_load()
    demo_rig()
    demo_wallet(today)
    demo_health(today)
    demo_assist(today)
    demo_voting(today)
    demo_cocreation()
    demo_workshop_day()
    demo_learning()
    return str(live_server.url)


def _user(name: str) -> User | None:
    if not name:
        return None
    if name == "resident":  # the first enrolled demo resident, with a month of payments and health data
        return User.objects.get(full_name=ENROLLED_RESIDENTS[0][0], kind="resident")
    if name == "proxy":  # the second, who acts for the first as his proxy
        return User.objects.get(full_name=ENROLLED_RESIDENTS[1][0], kind="resident")
    return User.objects.get(username=name)


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    path = "/".join("*" if ID_SEGMENT.match(s) else s for s in parts.path.split("/"))
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Crawl:
    site: str
    checked: dict[str, list[str]] = field(default_factory=dict)  # role -> paths
    seen: dict[str, set[str]] = field(default_factory=dict)  # role -> page kinds
    violations: list[str] = field(default_factory=list)

    def run(self, role: str, pages: dict[str, Any], starts: list[str]) -> None:
        """Breadth-first from `starts`, following links of the Japanese page; each new kind of page of the role is
        checked in every language (a second user of the role only adds the kinds of page the first could not see)."""
        visited: set[str] = set()
        done = self.seen.setdefault(role, set())
        checked = self.checked.setdefault(role, [])
        queue = deque(self.site + path for path in starts)
        while queue and len(checked) < MAX_PAGES_PER_ROLE:
            url = queue.popleft()
            if (kind := _pattern(url)) in visited:
                continue
            visited.add(kind)
            path = url.removeprefix(self.site)
            for lang, page in pages.items():
                if kind in done and lang != "ja":
                    continue
                response = page.goto(url)
                if response is None or response.status >= 500:
                    self.violations.append(f"{role} {lang} {path}: the server answered {response and response.status}")
                if kind not in done:
                    self._axe(page, f"{role} {lang} {path}")
            if kind not in done:
                done.add(kind)
                checked.append(path.split("?")[0] + ("?…" if "?" in path else ""))
            for link in pages["ja"].eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(a => a.href.split('#')[0])"
            ):
                if link.startswith(self.site + "/") and not SKIPPED.search(urlsplit(link).path):
                    queue.append(link)

    def _axe(self, page: Any, where: str) -> None:
        self.violations += axe_serious(page, where)
        # every page carries the text-size switch and the link to the accessibility policy
        if page.locator("form.text-size-switch").count() != 1 or page.locator(POLICY_LINK).count() != 1:
            self.violations.append(f"{where}: no text-size switch or no link to the accessibility policy")


def axe_serious(page: Any, where: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (axe is injected by an init script)."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {'; '.join(' '.join(n['target']) for n in v['nodes'][:3])}"
        for v in results["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


def test_every_page_of_every_role_has_no_serious_axe_violations(
    full_demo: str, open_context: Any, axe_script: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given axe-core injected into every page of a Japanese and an English browser, for each role of the demo
    crawl = Crawl(full_demo)

    # when every reachable page is checked
    for role, (users, starts) in ROLES.items():
        for name in users:
            pages = {}
            for lang, locale in (("ja", "ja-JP"), ("en", "en-US")):
                context = open_context(locale=locale, user=_user(name))
                context.add_init_script(path=str(axe_script))  # not an inline script: the page's CSP stays as served
                pages[lang] = context.new_page()
            crawl.run(role, pages, starts)

    # then
    with capsys.disabled():
        print("\naxe-core pages checked per role (each in ja and en):")  # noqa: T201 (the run reports its reach)
        for role, paths in crawl.checked.items():
            print(f"  {role:<10} {len(paths):>3}  {' '.join(sorted(paths))}")  # noqa: T201
    for role in ROLES:
        assert len(crawl.checked[role]) >= 3, f"the crawl found too few pages for {role}: {crawl.checked[role]}"
    assert crawl.violations == []


# ---------------------------------------------------------------- text size (WCAG 1.4.4), without JavaScript


def _root_font_px(page: Any) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


def test_text_size_switch_works_without_javascript_and_persists(live_server: Any, open_context: Any) -> None:
    # given a browser without JavaScript on the top page, at the standard size
    demo_load()
    site = str(live_server.url)
    context = open_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{site}/m/202177/")
    standard = _root_font_px(page)
    switch = page.locator("form.text-size-switch")
    assert switch.locator("button[aria-pressed=true]").get_attribute("value") == "standard"

    # when the largest size is chosen
    with page.expect_navigation():
        switch.locator("button[value=largest]").click()

    # then the same page comes back with larger text, still without horizontal scrolling at 320 px
    assert page.url == f"{site}/m/202177/"
    assert page.get_attribute("html", "class") == "text-largest"
    assert _root_font_px(page) == standard * 1.5
    assert switch.locator("button[aria-pressed=true]").get_attribute("value") == "largest"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    assert {c["name"]: c["value"] for c in context.cookies()}["hiroba_text_size"] == "largest"

    # and the choice persists on the next page, until the standard size is chosen again
    page.goto(f"{site}/signin/")
    assert _root_font_px(page) == standard * 1.5
    with page.expect_navigation():
        switch.locator("button[value=standard]").click()
    assert page.url == f"{site}/signin/"
    assert page.get_attribute("html", "class") is None
    assert _root_font_px(page) == standard


# ---------------------------------------------------------------- the accessibility policy page


@pytest.mark.parametrize("language", ["ja", "en", "ja-x-easy"])
def test_the_policy_page_is_linked_from_the_footer_in_every_language(
    live_server: Any, open_context: Any, axe_script: Path, language: str
) -> None:
    # given
    demo_load()
    site = str(live_server.url)
    context = open_context()
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": site}])
    context.add_init_script(path=str(axe_script))
    page = context.new_page()
    page.goto(f"{site}/")

    # when
    with page.expect_navigation():
        page.locator(POLICY_LINK).click()

    # then
    assert page.url == f"{site}/accessibility/"
    assert page.get_attribute("html", "lang") == language
    assert "JIS X 8341-3:2016" in page.inner_text("[data-testid=conformance]")
    assert page.locator("main h2").count() >= 4
    assert axe_serious(page, language) == []


# ---------------------------------------------------------------- keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7, 2.4.11)

# The focused element, whether it matches, and whether its focus is visible: :focus-visible with an outline or
# ring, and not hidden outside the window (2.4.11 Focus Not Obscured).
FOCUS_STATE = """selector => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
  const box = el.getBoundingClientRect();
  const inView = box.bottom > 0 && box.top < window.innerHeight && box.right > 0 && box.left < window.innerWidth;
  return {match: el.matches(selector), visible: el.matches(':focus-visible') && ring && inView,
          what: el.outerHTML.slice(0, 100)};
}"""
MAX_TABS = 40


def _skip_to_main(page: Any) -> None:
    """What a keyboard user does first: Tab to the skip link and press Enter. (After a redirect the address keeps
    the #main of an earlier skip, and the browser starts the Tab order at main already.)"""
    if page.url.endswith("#main"):
        return
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")


def _tab_to(page: Any, selector: str, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `selector` has the focus; every element on the way must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(FOCUS_STATE, selector)
        assert state["visible"], f"no visible focus on {state['what']}"
        if state["match"]:
            return
    pytest.fail(f"{selector} is not reachable with the keyboard on {page.url}")


def _here(page: Any) -> str:
    """The page's address without the fragment (the skip link's #main is kept across a redirect)."""
    return str(page.url).split("#")[0]


def _press(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def _choose_with_space(page: Any) -> Any:
    """Space on the focused file field opens the file chooser. Chromium now and then drops the first press right
    after a page load (seen under load in CI); a keyboard user would press again, and so does this, up to 3 times."""
    for _ in range(3):
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeout:
            continue
        return chooser.value
    pytest.fail("Space on the focused file field never opened the file chooser")


def _sign_with_keyboard(page: Any, card_file: Path, secret_field: str, secret: str) -> None:
    """From the top of the page: pick the card file with Space, type the secret, press Enter on the button."""
    _skip_to_main(page)
    _tab_to(page, "#card-file")
    _choose_with_space(page).set_files(str(card_file))
    _tab_to(page, secret_field)
    page.keyboard.type(secret)
    _tab_to(page, "form[data-card-form] button[type=submit]")
    _press(page, "Enter")


def test_keyboard_only_resident_signs_in_with_the_virtual_card(live_server: Any, rig: Any, keyboard_page: Any) -> None:
    # given a new resident's virtual card and a keyboard
    demo_load()
    site = str(live_server.url)
    card_file = rig.card_file(rig.card(name="見本 鍵子", address="長野県佐久市中込3056"))
    page = keyboard_page()
    page.goto(f"{site}/signin/")
    problems = axe_serious(page, "sign-in")

    # when she picks the card file with Space, types the PIN and presses Enter on the button
    _sign_with_keyboard(page, card_file, "#card-secret-auth", "1234")

    # then the card is new: she signs once with the signing password, the same way
    assert _here(page) == f"{site}/signin/enroll/"
    problems += axe_serious(page, "enroll")
    _sign_with_keyboard(page, card_file, "#card-secret-sign", "ABC123")

    # and agrees with Space on the check box, going back with Shift+Tab to check it is still ticked
    assert _here(page) == f"{site}/signin/consent/"
    problems += axe_serious(page, "consent")
    _skip_to_main(page)
    _tab_to(page, "#consent")
    page.keyboard.press("Space")
    _tab_to(page, "main form button[type=submit]")
    _tab_to(page, "#consent", backwards=True)
    assert page.is_checked("#consent")
    _tab_to(page, "main form button[type=submit]")
    _press(page, "Enter")

    # then she is signed in, on her data
    assert _here(page) == f"{site}/me/"
    assert page.inner_text("[data-testid=display-name]") == "見本 鍵子"
    assert problems + axe_serious(page, "me") == []


def _hanako() -> tuple[User, Merchant]:
    """The wallet tests' hanako of 佐久市 (1,000 points) as a user, and the soba shop of 小諸市."""
    hanako, soba = _saku()
    assert hanako.person is not None
    return hanako.person.user, soba


def test_keyboard_only_resident_converts_points_and_pays_at_a_shop(live_server: Any, keyboard_page: Any) -> None:
    # given hanako of 佐久市 with 1,000 points, on her wallet
    demo_load()
    site = str(live_server.url)
    hanako, soba = _hanako()
    page = keyboard_page(user=hanako)
    page.goto(f"{site}/wallet/")

    # when she changes 500 points into coins
    _skip_to_main(page)
    _tab_to(page, "main a[href='/wallet/convert/']")
    _press(page, "Enter")
    problems = axe_serious(page, "convert")
    _skip_to_main(page)
    _tab_to(page, "#points")
    page.keyboard.type("500")
    _tab_to(page, "main form button[type=submit]")
    _press(page, "Space")

    # and confirms what she gets
    assert page.inner_text("[data-testid=confirm-coins]") == "500"
    problems += axe_serious(page, "convert confirm")
    _skip_to_main(page)
    _tab_to(page, "main form button[type=submit]")
    _press(page, "Enter")

    # then
    assert _here(page) == f"{site}/wallet/"
    assert page.inner_text("[data-testid=coins]") == "500"

    # when she pays the soba shop ¥300 by typing its ID
    _skip_to_main(page)
    _tab_to(page, "main a[href='/wallet/pay/']")
    _press(page, "Enter")
    problems += axe_serious(page, "pay")
    _skip_to_main(page)
    _tab_to(page, "#shop")
    page.keyboard.type(soba.pk)
    _tab_to(page, "#amount")
    page.keyboard.type("300")
    _tab_to(page, "form:has(#shop) button[type=submit]")
    _press(page, "Enter")
    assert "¥300" in page.inner_text("[data-testid=confirm-question]")
    problems += axe_serious(page, "confirm")
    _skip_to_main(page)
    _tab_to(page, "button.wallet-pay-button")
    _press(page, "Enter")

    # then the receipt shows what she paid
    assert _here(page) == f"{site}/wallet/pay/receipt/"
    assert page.inner_text("[data-testid=receipt-amount]") == "¥300"
    assert problems + axe_serious(page, "receipt") == []


# ---------------------------------------------------------------- errors that name the field (WCAG 3.3.1, 3.3.3)


@pytest.mark.parametrize(("locale", "label"), [("ja-JP", "ja"), ("en-US", "en")])
def test_a_refused_form_shows_an_error_summary_that_leads_to_the_field(
    live_server: Any, keyboard_page: Any, locale: str, label: str
) -> None:
    # given hanako on the conversion form
    demo_load()
    site = str(live_server.url)
    hanako, _soba = _hanako()
    page = keyboard_page(user=hanako, locale=locale)
    page.goto(f"{site}/wallet/convert/")

    # when she sends letters instead of a number
    _skip_to_main(page)
    _tab_to(page, "#points")
    page.keyboard.type("abc")
    _press(page, "Enter")

    # then the summary at the top has the focus, says what is wrong and links to the field
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    link = summary.locator("a[href='#points']")
    assert link.inner_text() == {"ja": "数字（整数）で入力してください。", "en": "Enter a whole number."}[label]
    assert page.get_attribute("#points", "aria-invalid") == "true"
    assert "error-summary" in (page.get_attribute("#points", "aria-describedby") or "").split()
    assert axe_serious(page, "convert refused") == []

    # and Enter on the link puts her in the field to correct it
    _tab_to(page, "#error-summary a")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'points'")
