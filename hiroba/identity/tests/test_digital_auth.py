"""Sign-in with the Digital Authentication App (OIDC), against the test rig's dev provider, and OCSP over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from hiroba.identity import jpki
from hiroba.identity.models import CredentialBinding, Person
from hiroba.identity.tests.cardflow import ORIGIN, b64, card_sign_in


def _nonce(page: Any) -> str:
    return str(page.content.decode().split('name="nonce" value="')[1].split('"')[0])


def _provider_sign_in(client: Client, card: jpki.VirtualCard, start: Any) -> Any:
    """At the provider: sign with the card (and the signature key when facts are asked) and go back."""
    assert start.status_code == 302
    authorize = start["Location"]
    assert urlsplit(authorize).path == "/dev/oidc/authorize"
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"]
    assert query["nonce"]
    page = client.get(authorize)
    value = _nonce(page)
    data = jpki.signed_data(origin=ORIGIN, nonce=value)
    facts = "name" in query["scope"][0]
    prefix = "auth_" if facts else ""
    form = {
        "nonce": value,
        f"{prefix}certificate": b64(card.auth_certificate_der),
        f"{prefix}signature": b64(card.sign_auth("1234", data)),
    }
    if facts:
        form |= {
            "sign_certificate": b64(card.sign_certificate_der),
            "sign_signature": b64(card.sign_sign("ABC123", data)),
        }
    back = client.post("/dev/oidc/authorize", form)
    assert back.status_code == 302, back.content.decode()[:500]
    return client.get(back["Location"])


def test_first_visit_enrolls_through_the_app_then_signs_in(rig: Any, demo: Any, client: Client) -> None:
    card = rig.card(name="見本 玉代", birth="1975-08-08", address="埼玉県さいたま市浦和区常盤6-4-4")
    # sign-in asks only for `openid`; the app's pairwise ID is unknown, so Hiroba asks again for the basic facts
    callback = _provider_sign_in(client, card, client.get("/signin/digital-auth/start/"))
    assert callback["Location"] == "/signin/digital-auth/start/?enroll=1"
    consent = _provider_sign_in(client, card, client.get(callback["Location"]))
    assert consent["Location"] == "/signin/consent/"
    page = client.get("/signin/consent/")
    assert "見本 玉代" in page.content.decode()
    assert "1975-08" in page.content.decode()
    done = client.post("/signin/consent/", {"consent": "yes"})
    assert done["Location"] == "/me/"
    binding = CredentialBinding.objects.get(kind="oidc")
    assert Person.objects.get().residencies.get().municipality_id == "111007"
    # next time, the app alone signs the resident in
    other = Client()
    back = _provider_sign_in(other, card, other.get("/signin/digital-auth/start/"))
    assert back["Location"] == "/me/"
    binding.refresh_from_db()
    assert binding.last_used_at is not None


def test_a_callback_with_a_forged_state_is_refused(rig: Any, demo: Any, client: Client) -> None:
    card = rig.card()
    start = client.get("/signin/digital-auth/start/")
    authorize = start["Location"]
    page = client.get(authorize)
    value = _nonce(page)
    data = jpki.signed_data(origin=ORIGIN, nonce=value)
    back = client.post(
        "/dev/oidc/authorize",
        {"nonce": value, "certificate": b64(card.auth_certificate_der), "signature": b64(card.sign_auth("1234", data))},
    )
    forged = back["Location"].replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 401
    assert "oidc.state" in response.content.decode()
    assert not CredentialBinding.objects.exists()


def test_a_callback_without_a_sign_in_in_progress_is_refused(rig: Any, demo: Any, client: Client) -> None:
    response = client.get("/signin/digital-auth/callback/?code=abc&state=def")
    assert response.status_code == 401
    assert "oidc.state" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("query", "code"), [("", None), ("?stale=1", "jpki.ocsp_stale"), ("?forged=1", "jpki.ocsp_unsigned")]
)
def test_ocsp_over_http_is_checked_and_fails_closed(
    rig: Any, demo: Any, live_server: Any, settings: Any, query: str, code: str | None
) -> None:
    # given a configured OCSP responder (the rig's, over real HTTP)
    settings.JPKI_OCSP_URL = f"{live_server.url}/dev/ocsp{query}"
    client = Client()
    response = card_sign_in(client, rig.card())
    if code is None:
        assert response.json()["status"] == "enrollment_required"
    else:
        assert response.status_code == 401
        assert response.json()["code"] == code
