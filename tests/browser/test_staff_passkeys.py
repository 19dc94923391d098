"""Staff passkeys in a real Chromium with its virtual authenticator (CDP WebAuthn domain): enrol from an invitation
link, sign out, sign in again with the passkey; and the sign-in page in Japanese and English, with and without
JavaScript. WebAuthn refuses IP addresses as RP IDs, so the browser uses http://localhost:<port>."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from webauthn.helpers import bytes_to_base64url

from hiroba.core.audit import Actor
from hiroba.core.models import AuditRecord, Channel
from hiroba.demo import demo_load
from hiroba.identity.models import Passkey, User
from hiroba.identity.services.passkeys import invitation_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 10_000


@pytest.fixture
def site(live_server: Any) -> str:
    demo_load()
    return str(live_server.url).replace("127.0.0.1", "localhost")


def _page_with_authenticator(context: Any) -> tuple[Any, Any, str]:
    """A tab with a platform authenticator that verifies the user (like a fingerprint reader) and keeps passkeys."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return page, cdp, added["authenticatorId"]


def _invite(username: str) -> str:
    admin = User.objects.get(username="saku-admin")
    return invitation_create(user=User.objects.get(username=username), actor=Actor.for_user(admin, channel=Channel.WEB))


def _enrol_from_invitation(page: Any, site: str, username: str, name: str) -> None:
    page.goto(f"{site}/staff/invitation/{_invite(username)}/")
    page.fill("#passkey-name", name)
    with page.expect_navigation():
        page.click("form[data-passkey] [data-passkey-start]")
    assert page.url == f"{site}/staff/passkeys/"


def _sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.click("footer form button[type=submit]")


# Browsers before 2024 lack the JSON helpers: the script's own base64url conversions must work as well.
WITHOUT_JSON_HELPERS = """
delete PublicKeyCredential.parseCreationOptionsFromJSON;
delete PublicKeyCredential.parseRequestOptionsFromJSON;
delete PublicKeyCredential.prototype.toJSON;
"""


@pytest.mark.parametrize("helpers", ["native", "fallback"])
def test_staff_member_enrols_a_passkey_from_the_invitation_and_signs_in_with_it(
    site: str, open_context: Any, artifacts: Path, helpers: str
) -> None:
    # given a browser with a fingerprint-style authenticator, and a link from the town's admin
    context = open_context(viewport={"width": 1280, "height": 900})
    if helpers == "fallback":
        context.add_init_script(WITHOUT_JSON_HELPERS)
    page, cdp, authenticator = _page_with_authenticator(context)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # when the staff member opens the link and creates a passkey
    _enrol_from_invitation(page, site, "saku-health", "Chromium")

    # then they are signed in and see their new passkey
    assert "Chromium" in page.inner_text("#passkey-table")
    expected = "function" if helpers == "native" else "undefined"
    assert page.evaluate("typeof PublicKeyCredential.parseCreationOptionsFromJSON") == expected
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1
    assert stored[0]["isResidentCredential"] is True
    assert Passkey.objects.get().credential_id == bytes_to_base64url(base64.b64decode(stored[0]["credentialId"]))
    page.screenshot(path=str(artifacts / f"staff-passkeys-{helpers}.png"), full_page=True)

    # when they sign out and sign in again from the sign-in page, with the passkey only
    _sign_out(page)
    page.goto(f"{site}/staff/login/")
    with page.expect_navigation():
        page.click("button[data-passkey-start]")

    # then they land on the staff home page, as themselves
    assert page.url == f"{site}/staff/"
    assert "見本 花子" in page.inner_text("main")
    assert AuditRecord.objects.filter(tag="identity:signin:passkey", chain_id="202177").count() == 1
    assert errors == []


def test_a_refused_passkey_shows_the_reason_in_an_alert(site: str, open_context: Any) -> None:
    # given a passkey in the browser that the server has since removed
    page, _cdp, _authenticator = _page_with_authenticator(open_context())
    _enrol_from_invitation(page, site, "saku-counter", "old PC")
    _sign_out(page)
    Passkey.objects.all().delete()

    # when
    page.goto(f"{site}/staff/login/")
    page.click("button[data-passkey-start]")

    # then
    alert = page.locator("form[data-passkey] [role=alert]")
    alert.filter(has_text="identity.passkey_unknown").wait_for()
    assert "このパスキーは登録されていません。" in alert.inner_text()
    assert page.url == f"{site}/staff/login/"
    assert page.locator("button[data-passkey-start]").is_enabled()


@pytest.mark.parametrize(
    ("locale", "lang", "heading"),
    [("ja-JP", "ja", "職員ログイン"), ("en-US", "en", "Staff sign-in")],
    ids=["ja", "en"],
)
def test_sign_in_page_speaks_the_browsers_language(
    site: str, open_context: Any, artifacts: Path, locale: str, lang: str, heading: str
) -> None:
    # given
    page = open_context(locale=locale).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # when
    page.goto(f"{site}/staff/login/", wait_until="networkidle")

    # then
    assert page.get_attribute("html", "lang") == lang
    assert page.inner_text("h1") == heading
    assert page.locator("button[data-passkey-start]").is_visible()
    assert page.locator("[data-passkey-unsupported]").is_hidden()
    assert page.locator("#id_password").is_visible()  # the test settings allow the development password
    assert errors == []
    page.screenshot(path=str(artifacts / f"staff-login-{lang}.png"), full_page=True)


def test_without_javascript_the_page_says_passkeys_need_it(site: str, open_context: Any) -> None:
    # given
    page = open_context(java_script_enabled=False).new_page()

    # when
    page.goto(f"{site}/staff/login/")

    # then
    assert page.locator("form[data-passkey]").is_hidden()
    assert page.locator("[data-passkey-unsupported]").is_visible()
