"""Nobody left behind, in a real Chromium: a counter clerk helps a resident convert points and prints the receipt;
a daughter registered as her father's proxy pays at a shop with the printed card and PIN, then the father revokes
her and the card stops paying; a resident under a support measure gets no new proxy; an outreach call is logged.

Staff and residents carry sessions signed in through the test client, except where the resident's own card is the
point: at the counter the resident signs with the virtual card and PIN, which the clerk never sees."""

from __future__ import annotations

import secrets
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.assist.models import Delegation, DelegationStatus
from hiroba.assist.services import outreach
from hiroba.core.audit import Actor, audit_verify
from hiroba.core.fiscal import fiscal_year
from hiroba.core.models import AuditRecord
from hiroba.identity.models import CredentialBinding, CredentialKind, Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.wallet.models import Merchant, PrintedCard
from hiroba.wallet.selectors import wallet_view
from hiroba.wallet.services import money
from hiroba.wallet.tests.factories import saku_area
from tests.browser.test_accessibility import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR = Actor.command_line()


@pytest.fixture
def area(site: str) -> dict[str, Any]:
    return saku_area(year=fiscal_year(timezone.localdate()))


def _award(resident: Resident, points: int) -> None:
    today = timezone.localdate()
    money.points_award(
        municipality=resident.municipality, awards=[(resident, points)], key=f"aw:{resident.pk}", on=today, reason="t"
    )


def _pdf_text(data: bytes, tmp: Path, name: str) -> str:
    path = tmp / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp / name)], check=True)
    assert list(tmp.glob(f"{name}*.png")), "the PDF renders as an image"
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _enroll(page: Any, site: str, card_file: Path) -> None:
    """The resident's own first sign-in at home: PIN, signature password, consent."""
    page.goto(f"{site}/signin/")
    for field, secret in (("#card-secret-auth", "1234"), ("#card-secret-sign", "abc123")):
        page.set_input_files("#card-file", str(card_file))
        page.fill(field, secret)
        with page.expect_navigation():
            page.click("form[data-card-form] button[type=submit]")
    page.check("#consent")
    with page.expect_navigation():
        page.click("form button[type=submit] >> nth=-1")
    assert page.url.endswith("/me/")


def test_a_counter_clerk_helps_a_resident_convert_points_and_prints_the_receipt(
    site: str, area: dict[str, Any], rig: Any, open_context: Any, axe_script: Path, artifacts: Path, tmp_path: Path
) -> None:
    card_file = rig.card_file(rig.card(name="見本 窓子", address="長野県佐久市中込3056"))
    _enroll(open_context().new_page(), site, card_file)
    resident = Resident.objects.get(person__user__full_name="見本 窓子")
    _award(resident, 2_000)

    clerk = User.objects.get(username="saku-counter")
    context = open_context(user=clerk, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(axe_script))
    page = context.new_page()
    page.goto(f"{site}/staff/m/202177/assist/")
    # the resident reads the consent, ticks it, and signs with their own card and PIN at the terminal
    page.fill("#assist-reason", "スマートフォンをお持ちでないため")
    page.check("#assist-consented")
    page.set_input_files("#card-file", str(card_file))
    page.fill("#card-secret-auth", "1234")
    with page.expect_navigation():
        page.click("form[data-card-form] button[type=submit]")
    assert "/assist/s/" in page.url
    assert "職員が代理で操作中" in page.inner_text("#assist-banner")
    assert axe_serious(page, "the session page") == []
    assert page.inner_text("#assist-points") == "2,000"

    page.fill("#session-convert-points", "1000")
    with page.expect_navigation():
        page.click("form:has(#session-convert-points) button[type=submit]")
    assert page.inner_text("#assist-points") == "1,000"
    assert page.inner_text("#assist-coins") == "¥1,000"
    assert "1,000ポイントを1,000円分のコインに交換しました。" in page.inner_text("#assist-acts")
    page.screenshot(path=str(artifacts / "assist-session.png"), full_page=True)

    record = AuditRecord.objects.get(tag="wallet:points:converted")
    assert (record.actor, record.acting_for, record.channel) == (
        f"user:{clerk.public_id}",
        f"resident:{resident.pairwise_id}",
        "counter",
    )

    with page.expect_navigation():
        page.click("button[name=action][value=end]")
    receipt_url = page.get_attribute("a.button", "href")
    response = page.request.get(f"{site}{receipt_url}")
    assert response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.body(), tmp_path, "receipt")
    assert "窓口でのお手続きの控え" in text
    assert "見本 窓子 様" in text
    assert "1,000ポイントを1,000円分のコインに交換しました。" in text.replace(" ", "").replace("\n", "")
    # the session is over: the clerk can no longer act for the resident
    session_url = receipt_url.rsplit("receipt.pdf", 1)[0]
    assert page.goto(f"{site}{session_url}").status == 409
    assert audit_verify()[1] == []


def test_a_daughter_pays_with_her_proxy_card_until_her_father_revokes_her(
    site: str, area: dict[str, Any], open_context: Any, artifacts: Path, tmp_path: Path
) -> None:
    father = area["hanako"]
    daughter = make_resident("202088", "見本 娘子")
    _award(father, 3_000)
    money.points_convert(resident=father, points=3_000, key="cv", on=timezone.localdate(), actor=OPERATOR)
    assert father.person is not None
    assert daughter.person is not None

    # the father offers the proxy: balance and paying with a printed card
    dad = open_context(user=father.person.user).new_page()
    dad.goto(f"{site}/assist/")
    dad.check("#offer-scope-balance")
    dad.check("#offer-scope-pay_card")
    with dad.expect_navigation():
        dad.click("form:has(#offer-ends) button[type=submit]")
    code = dad.inner_text("#proxy-code")

    # the daughter, signed in as herself, accepts and prints her proxy card with a PIN she chooses
    her = open_context(user=daughter.person.user).new_page()
    her.goto(f"{site}/assist/")
    her.fill("#accept-code", code)
    with her.expect_navigation():
        her.click("form:has(#accept-code) button[type=submit]")
    assert "/assist/proxy/" in her.url
    assert her.inner_text("#proxy-coins") == "¥3,000"
    her.fill("#proxy-card-pin", "2580")
    her.fill("#proxy-card-limit", "3000")
    with her.expect_download() as download:
        her.click("form:has(#proxy-card-pin) button[type=submit]")
    card_pdf = Path(download.value.path()).read_bytes()
    assert "見本 娘子" in _pdf_text(card_pdf, tmp_path, "proxy-card")
    card = PrintedCard.objects.get(delegation__proxy=daughter.person.user)

    # at the bakery: the card ID and her PIN
    owner = User.objects.create_user("bakery-owner", None, full_name="見本 店主", kind="merchant")
    bakery: Merchant = area["shops"]["202177"]
    Merchant.objects.filter(pk=bakery.pk).update(user=owner)
    shop = open_context(user=owner, viewport={"width": 1280, "height": 900}).new_page()

    def charge(amount: str) -> str:
        shop.goto(f"{site}/shop/{bakery.pk}/")
        shop.fill("#card-id", card.pk)
        shop.fill("#card-pin", "2580")
        shop.fill("#card-amount", amount)
        shop.click("#card-panel button[type=submit]")
        shop.locator("#card-panel [role=status], #card-panel [role=alert]").first.wait_for()
        return str(shop.inner_text("#card-panel"))

    assert "800円を受け取りました" in charge("800")
    assert wallet_view(resident=father, on=timezone.localdate()).coins == 2_200

    # the father revokes her from his own page; her card stops paying at once
    dad.goto(f"{site}/assist/")
    with dad.expect_navigation():
        dad.click("#my-proxies button[value=revoke]")
    assert Delegation.objects.get(proxy=daughter.person.user).status == DelegationStatus.REVOKED
    refusal = charge("500")
    assert "assist.delegation_revoked" in refusal
    shop.screenshot(path=str(artifacts / "assist-proxy-card-refused.png"), full_page=True)
    assert wallet_view(resident=father, on=timezone.localdate()).coins == 2_200
    assert AuditRecord.objects.filter(tag="assist:proxy:refused", data__code="assist.delegation_revoked").exists()


def test_no_proxy_can_be_registered_for_a_resident_under_a_support_measure(
    site: str, area: dict[str, Any], open_context: Any
) -> None:
    resident = area["hanako"]
    assert resident.person is not None
    clerk = open_context(user=User.objects.get(username="saku-counter")).new_page()
    clerk.goto(f"{site}/staff/m/202177/assist/residents/")
    clerk.fill("#flag-resident", resident.pairwise_id)
    with clerk.expect_navigation():
        clerk.click("button[value=flag]")
    assert "1" in clerk.inner_text("#h-flag + p + form + p")

    page = open_context(user=resident.person.user).new_page()
    page.goto(f"{site}/assist/")
    page.check("#offer-scope-balance")
    page.click("form:has(#offer-ends) button[type=submit]")
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert "assist.support_measure" in alert.inner_text()
    assert page.locator("#proxy-code").count() == 0
    assert AuditRecord.objects.filter(tag="assist:proxy:refused", data__code="assist.support_measure").exists()


def test_an_outreach_call_is_logged_from_the_call_list(site: str, open_context: Any, artifacts: Path) -> None:
    quiet = make_resident("202177", "見本 静子")
    assert quiet.person is not None
    outreach.outreach_join(resident=quiet, recorded_by=quiet.person.user, actor=OPERATOR)
    CredentialBinding.objects.create(
        person=quiet.person,
        kind=CredentialKind.JPKI_AUTH,
        lookup=secrets.token_hex(32),
        key_version=1,
        last_used_at=timezone.now() - timedelta(days=45),
    )
    page = open_context(user=User.objects.get(username="saku-counter")).new_page()
    page.goto(f"{site}/staff/m/202177/assist/outreach/")
    row = page.locator("#call-list tbody tr", has_text="見本 静子")
    assert "45" in row.inner_text()
    row.locator("select").select_option("called")
    row.locator("input[name=note]").fill("お元気そうでした")
    row.locator("input[type=date]").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "お元気そうでした" in page.inner_text("#h-recent + ul")
    page.screenshot(path=str(artifacts / "assist-outreach.png"), full_page=True)
    assert AuditRecord.objects.filter(tag="assist:outreach:contact").count() == 1
