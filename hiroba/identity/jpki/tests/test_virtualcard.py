"""The virtual card file: round trip, PIN handling, WebCrypto-compatible wrapping, signatures that verify."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from hiroba.identity.jpki import VirtualCard, issue_virtual_card, new_nonce, verify_authentication, verify_signing
from hiroba.identity.jpki.tests import (
    NOW,
    ORIGIN,
    PIN,
    SIGN_PASSWORD,
    TEST_ITERATIONS,
    card,
    crl_checker,
    leaf_key,
    rig,
)
from hiroba.identity.jpki.virtualcard import DEFAULT_ITERATIONS, FORMAT, CardFormatError


def test_json_round_trip() -> None:
    original = card()
    text = original.to_json()
    again = VirtualCard.from_json(text)
    assert again == original
    assert again.to_json() == text


def test_file_shape() -> None:
    document = json.loads(card().to_json())
    assert document["format"] == FORMAT == "hiroba-virtual-card/1"
    assert document["token"] == "JPKIAPICCTOKEN2"
    assert set(document) == {"format", "token", "label", "auth", "sign"}
    for slot in ("auth", "sign"):
        key = document[slot]["key"]
        assert set(key) == {"kdf", "iterations", "salt", "cipher", "iv", "data"}
        assert key["kdf"] == "PBKDF2-SHA256"
        assert key["cipher"] == "AES-256-GCM"
        assert key["iterations"] == TEST_ITERATIONS
        assert len(base64.b64decode(key["salt"])) == 16
        assert len(base64.b64decode(key["iv"])) == 12
    assert base64.b64decode(document["auth"]["certificate"]) == card().auth_certificate_der


def unwrap_like_webcrypto(key: dict[str, Any], secret: str) -> rsa.RSAPrivateKey:
    """What the browser does, step by step, from the JSON fields alone."""
    derived = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=base64.b64decode(key["salt"]), iterations=key["iterations"]
    ).derive(secret.encode())
    pkcs8 = AESGCM(derived).decrypt(base64.b64decode(key["iv"]), base64.b64decode(key["data"]), None)
    private = serialization.load_der_private_key(pkcs8, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    return private


def test_keys_unwrap_with_standard_primitives_only() -> None:
    document = json.loads(card().to_json())
    auth = unwrap_like_webcrypto(document["auth"]["key"], PIN)
    sign = unwrap_like_webcrypto(document["sign"]["key"], SIGN_PASSWORD)
    assert auth.private_numbers() == leaf_key(0).private_numbers()
    assert sign.private_numbers() == leaf_key(1).private_numbers()
    # A signature made from the unwrapped key is what the card itself would produce (PKCS#1 v1.5 is deterministic).
    data = b"hiroba"
    assert auth.sign(data, padding.PKCS1v15(), hashes.SHA256()) == card().sign_auth(PIN, data)


def test_wrong_pin_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^wrong PIN$"):
        card().sign_auth("4321", b"data")
    with pytest.raises(ValueError, match=r"^wrong PIN$"):
        card().authenticate(pin="0000", origin=ORIGIN, nonce=new_nonce())


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", "１２３４"])
def test_pin_must_be_four_digits(pin: str) -> None:
    with pytest.raises(ValueError, match="4 digits"):
        card().sign_auth(pin, b"data")


def test_sign_password_is_upper_cased_and_checked() -> None:
    assert card().sign_sign("abc123", b"x") == card().sign_sign("ABC123", b"x")
    with pytest.raises(ValueError, match=r"^wrong password$"):
        card().sign_sign("ABC124", b"x")
    with pytest.raises(ValueError, match="6-16"):
        card().sign_sign("ABC", b"x")
    with pytest.raises(ValueError, match="4 digits"):
        card().sign_auth(SIGN_PASSWORD, b"x")  # a password is no PIN


def test_authenticate_verifies() -> None:
    nonce = new_nonce()
    certificate_der, signature = card().authenticate(pin=PIN, origin=ORIGIN, nonce=nonce)
    assert certificate_der == card().auth_certificate_der
    result = verify_authentication(
        certificate_der=certificate_der,
        signature=signature,
        origin=ORIGIN,
        nonce=nonce,
        config=rig().config(),
        at=NOW,
        revocation=crl_checker(),
    )
    assert result.certificate == card().auth_certificate


def test_card_from_file_still_signs() -> None:
    loaded = VirtualCard.from_json(card().to_json())
    data = b"document"
    result = verify_signing(
        certificate_der=loaded.sign_certificate_der,
        signature=loaded.sign_sign(SIGN_PASSWORD, data),
        data=data,
        config=rig().config(),
        at=NOW,
        revocation=crl_checker(),
    )
    assert result.serial == card().sign_certificate.serial_number


def test_smartphone_card_and_defaults() -> None:
    phone = issue_virtual_card(
        rig(),
        name="Yamada Taro",
        birth_date=date(2001, 12, 31),
        sex="1",
        address="北海道札幌市",
        now=NOW,
        token="JPKIAPGPSETOKEN",
        pin="9876",
        sign_password="PASSWORD1",
        auth_key=leaf_key(0),
        sign_key=leaf_key(1),
    )
    document = json.loads(phone.to_json())
    assert document["token"] == "JPKIAPGPSETOKEN"
    assert document["auth"]["key"]["iterations"] == DEFAULT_ITERATIONS == 100_000
    assert VirtualCard.from_json(phone.to_json()).sign_sign("password1", b"x")


def mutate(change: dict[str, Any]) -> str:
    document = json.loads(card().to_json())
    for path, value in change.items():
        target = document
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return json.dumps(document)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        "[" * 5000 + "]" * 5000,
        " " * (64 * 1024 + 1),
        mutate({"format": "hiroba-virtual-card/2"}),
        mutate({"token": "JPKIAPICCTOKEN"}),
        mutate({"label": 7}),
        mutate({"auth": None}),
        mutate({"auth.certificate": "not base64!"}),
        mutate({"auth.certificate": base64.b64encode(b"junk").decode()}),
        mutate({"sign.key.kdf": "scrypt"}),
        mutate({"sign.key.cipher": "AES-128-CBC"}),
        mutate({"sign.key.iterations": 1000}),
        mutate({"sign.key.iterations": True}),
        mutate({"sign.key.iterations": "100000"}),
        mutate({"sign.key.salt": base64.b64encode(b"short").decode()}),
        mutate({"auth.key.iv": base64.b64encode(bytes(16)).decode()}),
        mutate({"auth.key.data": ""}),
    ],
    ids=[
        "not-json",
        "not-object",
        "deep-nesting",
        "oversized",
        "format",
        "token",
        "label",
        "missing-slot",
        "bad-base64",
        "bad-certificate",
        "kdf",
        "cipher",
        "too-few-iterations",
        "bool-iterations",
        "string-iterations",
        "salt-size",
        "iv-size",
        "empty-data",
    ],
)
def test_malformed_card_files_are_refused(text: str) -> None:
    with pytest.raises(CardFormatError):
        VirtualCard.from_json(text)


def test_tampered_ciphertext_reads_as_wrong_pin() -> None:
    document = json.loads(card().to_json())
    data = bytearray(base64.b64decode(document["auth"]["key"]["data"]))
    data[10] ^= 0x01
    document["auth"]["key"]["data"] = base64.b64encode(bytes(data)).decode()
    with pytest.raises(ValueError, match=r"^wrong PIN$"):
        VirtualCard.from_json(json.dumps(document)).sign_auth(PIN, b"x")


def test_create_refuses_a_key_that_does_not_match_the_certificate() -> None:
    with pytest.raises(ValueError, match="does not match"):
        VirtualCard.create(
            token="JPKIAPICCTOKEN2",
            label="mismatch",
            auth_certificate=card().auth_certificate,
            auth_private_key=leaf_key(1),
            sign_certificate=card().sign_certificate,
            sign_private_key=leaf_key(1),
            pin=PIN,
            sign_password=SIGN_PASSWORD,
            iterations=TEST_ITERATIONS,
        )
