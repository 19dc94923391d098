"""Every bad card input is refused with its reason code, is audited, and stores nothing."""

from __future__ import annotations

import base64
import os
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.models import AuditRecord
from hiroba.identity import jpki
from hiroba.identity.models import Challenge, CredentialBinding, Person, RevocationList
from hiroba.identity.services import crl_load
from hiroba.identity.testrig import crls_refresh
from hiroba.identity.tests.cardflow import auth_proof, b64, card_sign_in, enroll, nonce, post, sign_proof


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]["ja"]
    assert body["message"]["en"]
    assert not Person.objects.exists()
    assert not CredentialBinding.objects.exists()


@pytest.fixture
def card(rig: Any, demo: Any) -> jpki.VirtualCard:
    issued: jpki.VirtualCard = rig.card()
    return issued


@pytest.fixture(scope="module")
def stranger_ca() -> jpki.TestCa:
    return jpki.make_test_ca(now=datetime.now(UTC))


def test_no_crl_at_all_fails_closed(card: jpki.VirtualCard, client: Client) -> None:
    RevocationList.objects.all().delete()
    _refused(card_sign_in(client, card), 401, "jpki.revocation_unavailable")


def test_malformed_der_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client))
    proof["certificate"] = b64(b"\x30\x82\x01\x00not a certificate")
    _refused(post(client, "jpki/sign-in", proof), 422, "jpki.malformed_certificate")


def test_oversized_der_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client))
    proof["certificate"] = b64(card.auth_certificate_der + os.urandom(9000 - len(card.auth_certificate_der)))
    _refused(post(client, "jpki/sign-in", proof), 422, "jpki.malformed_certificate")


def test_not_base64_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client))
    proof["signature"] = "***"
    _refused(post(client, "jpki/sign-in", proof), 422, "jpki.malformed_signature")


def test_a_certificate_from_an_unknown_ca_is_refused(
    card: jpki.VirtualCard, stranger_ca: jpki.TestCa, client: Client
) -> None:
    foreign = jpki.issue_virtual_card(
        stranger_ca,
        name="見本 偽子",
        birth_date=date(1990, 1, 1),
        sex="2",
        address="長野県佐久市",
        now=datetime.now(UTC),
    )
    _refused(card_sign_in(client, foreign), 401, "jpki.unknown_issuer")


def test_a_signature_certificate_is_refused_for_sign_in(card: jpki.VirtualCard, client: Client) -> None:
    _refused(post(client, "jpki/sign-in", sign_proof(card, nonce(client))), 401, "jpki.wrong_certificate_type")


def test_an_authentication_certificate_is_refused_for_enrollment(card: jpki.VirtualCard, client: Client) -> None:
    card_sign_in(client, card)
    proof = auth_proof(card, nonce(client, "enroll"))
    response = post(client, "jpki/enrollment", proof)
    _refused(response, 401, "jpki.wrong_certificate_type")


def test_an_expired_certificate_is_refused(rig: Any, demo: Any, client: Client) -> None:
    old = rig.card(name="見本 古子", not_before=datetime.now(UTC) - timedelta(days=30), valid_for=timedelta(days=10))
    _refused(card_sign_in(client, old), 401, "jpki.expired")


def test_a_not_yet_valid_certificate_is_refused(rig: Any, demo: Any, client: Client) -> None:
    early = rig.card(name="見本 早子", not_before=datetime.now(UTC) + timedelta(days=1))
    _refused(card_sign_in(client, early), 401, "jpki.not_yet_valid")


def test_a_revoked_certificate_is_refused(rig: Any, card: jpki.VirtualCard, client: Client) -> None:
    crls_refresh(rig.ca, revoked=(card.auth_certificate.serial_number,))
    _refused(card_sign_in(client, card), 401, "jpki.revoked")


def test_a_stale_crl_fails_closed(rig: Any, card: jpki.VirtualCard, client: Client) -> None:
    RevocationList.objects.all().delete()
    now = datetime.now(UTC)
    for g in rig.ca.generations:  # the operator's schedule stopped a while ago: the newest lists are out of date
        der = rig.ca.issue_crl(
            g.kind, generation=g.label, this_update=now - timedelta(days=8), next_update=now - timedelta(days=1)
        )
        crl_load(der=der, actor=Actor.command_line())
    _refused(card_sign_in(client, card), 401, "jpki.revocation_unavailable")


def test_a_wrong_signature_is_refused_and_audited(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client))
    signature = bytearray(base64.b64decode(proof["signature"]))
    signature[10] ^= 0xFF
    proof["signature"] = b64(bytes(signature))
    _refused(post(client, "jpki/sign-in", proof), 401, "jpki.bad_signature")
    failure = AuditRecord.objects.get(tag="identity:signin:failed")
    assert failure.data == {"reason": "jpki.bad_signature", "step": "sign_in"}


def test_a_wrong_pin_never_reaches_the_server(card: jpki.VirtualCard) -> None:
    with pytest.raises(ValueError, match="PIN"):
        card.authenticate(pin="9999", origin="http://testserver", nonce="x")


def test_a_signature_over_another_origin_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client), origin="https://phishing.example")
    _refused(post(client, "jpki/sign-in", proof), 401, "jpki.bad_signature")


def test_a_replayed_nonce_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client))
    assert post(client, "jpki/sign-in", proof).json()["status"] == "enrollment_required"
    _refused(post(client, "jpki/sign-in", proof), 401, "identity.challenge_used")


def test_an_expired_nonce_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    proof = auth_proof(card, nonce(client))
    Challenge.objects.update(
        issued_at=timezone.now() - timedelta(minutes=6), expires_at=timezone.now() - timedelta(minutes=1)
    )
    _refused(post(client, "jpki/sign-in", proof), 401, "identity.challenge_expired")


def test_a_nonce_from_another_session_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    stolen = nonce(Client())
    _refused(post(client, "jpki/sign-in", auth_proof(card, stolen)), 401, "identity.challenge_unknown")


def test_a_nonce_for_another_purpose_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    _refused(post(client, "jpki/sign-in", auth_proof(card, nonce(client, "enroll"))), 401, "identity.challenge_unknown")


def test_repeated_bad_signatures_block_the_certificate(card: jpki.VirtualCard, client: Client) -> None:
    def bad() -> Any:
        proof = auth_proof(card, nonce(client), origin="https://elsewhere.example")
        return post(client, "jpki/sign-in", proof)

    codes = [bad().json()["code"] for _ in range(6)]
    assert codes[:5] == ["jpki.bad_signature"] * 5
    assert codes[5] == "identity.throttled.cert_failures"
    # and even a correct signature is refused while the block lasts
    response = card_sign_in(client, card)
    assert response.status_code == 429
    assert response.json()["detail"]["retry_after_seconds"] > 0


def test_enrollment_without_a_card_sign_in_first_is_refused(card: jpki.VirtualCard, client: Client) -> None:
    response = post(client, "jpki/enrollment", sign_proof(card, nonce(client, "enroll")))
    _refused(response, 422, "identity.no_pending_sign_in")


def test_pages_show_the_reason_too(card: jpki.VirtualCard, client: Client) -> None:
    page = client.get("/signin/")
    value = page.content.decode().split('name="nonce" value="')[1].split('"')[0]
    proof = auth_proof(card, value, origin="https://phishing.example")
    response = client.post("/signin/", proof)
    assert response.status_code == 401
    assert "jpki.bad_signature" in response.content.decode()
    assert enroll(Client(), card).status_code == 200  # the card itself is fine
