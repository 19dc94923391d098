"""Drives the card sign-in API the way a card client does, for the identity tests."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from django.test import Client

from hiroba.identity import jpki

ORIGIN = "http://testserver"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/identity/{path}", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


def nonce(client: Client, purpose: str = "sign_in") -> str:
    response = post(client, "challenges", {"purpose": purpose})
    assert response.status_code == 200, response.content
    return str(response.json()["nonce"])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def auth_proof(card: jpki.VirtualCard, value: str, *, origin: str = ORIGIN, pin: str = "1234") -> dict[str, str]:
    certificate, signature = card.authenticate(pin=pin, origin=origin, nonce=value)
    return {"certificate": b64(certificate), "signature": b64(signature), "nonce": value, "token": card.token}


def sign_proof(card: jpki.VirtualCard, value: str, *, origin: str = ORIGIN) -> dict[str, str]:
    signature = card.sign_sign("ABC123", jpki.signed_data(origin=origin, nonce=value))
    return {"certificate": b64(card.sign_certificate_der), "signature": b64(signature), "nonce": value}


def card_sign_in(client: Client, card: jpki.VirtualCard) -> Any:
    return post(client, "jpki/sign-in", auth_proof(card, nonce(client)))


def enroll(client: Client, card: jpki.VirtualCard, *, consent: bool = True) -> Any:
    """Sign-in with an unknown card, enrollment with the signature certificate, consent."""
    first = card_sign_in(client, card)
    assert first.json() == {"status": "enrollment_required", "pairwise_id": None, "municipality": None}, first.content
    offer = post(client, "jpki/enrollment", sign_proof(card, nonce(client, "enroll")))
    assert offer.status_code == 200, offer.content
    return post(client, "enrollment/consent", {"consent": consent})
