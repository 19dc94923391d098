"""Signed, time-limited codes: round trips, forgery, lapse, the wrong kind, and the QR character set."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.wallet.formats.codes import (
    MAX_LIFETIME,
    CodeError,
    SignedCode,
    new_code,
    sign,
    verify,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NOW = 1_790_000_000
QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")
subjects = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64)


def reason(text: str, *, key: bytes = KEY, now: int = NOW, kind: str = "pay_request", leeway: int = 30) -> str:
    with pytest.raises(CodeError) as caught:
        verify(text, key, now=now, kind=kind, leeway=leeway)
    return caught.value.code


def blob(text: str) -> bytes:
    body = text.removeprefix("HB1.")
    return base64.b32decode(body + "=" * (-len(body) % 8))


def text_of(data: bytes) -> str:
    return "HB1." + base64.b32encode(data).decode("ascii").rstrip("=")


@pytest.mark.parametrize(("kind", "lifetime"), [("pay_request", 900), ("customer", 120), ("customer", 1)])
def test_round_trip(kind: str, lifetime: int) -> None:
    code = new_code(kind=kind, subject="pr_01JB7ZQ4M8X9K2N5T6V3W0Y1AB", now=NOW, lifetime=lifetime)
    assert code.expires_at == NOW + lifetime
    text = sign(code, KEY)
    assert text.startswith("HB1.")
    assert verify(text, KEY, now=NOW, kind=kind) == code
    assert verify(text + "\r\n", KEY, now=NOW, kind=kind) == code  # a scanner's trailing line break


@given(subject=subjects, kind=st.sampled_from(sorted(MAX_LIFETIME)), data=st.data())
def test_round_trip_any_subject(subject: str, kind: str, data: st.DataObject) -> None:
    lifetime = data.draw(st.integers(min_value=1, max_value=MAX_LIFETIME[kind]), label="lifetime")
    issued = data.draw(st.integers(min_value=0, max_value=2**40 - 1 - lifetime), label="issued_at")
    code = new_code(kind=kind, subject=subject, now=issued, lifetime=lifetime)
    text = sign(code, KEY)
    assert len(text) <= 160
    assert QR_ALPHANUMERIC.fullmatch(text)
    assert verify(text, KEY, now=issued, kind=kind) == code
    assert verify(text, KEY, now=issued + lifetime - 1, kind=kind, leeway=0) == code


def test_longest_code_fits_160_characters() -> None:
    text = sign(new_code(kind="pay_request", subject="x" * 64, now=2**40 - 901, lifetime=900), KEY)
    assert len(text) <= 160
    assert QR_ALPHANUMERIC.fullmatch(text)


def test_every_altered_byte_breaks_the_signature() -> None:
    text = sign(new_code(kind="customer", subject="w_resident_42", now=NOW, lifetime=60), KEY)
    data = blob(text)
    for index in range(len(data)):
        for bit in (0x01, 0x80):
            altered = bytearray(data)
            altered[index] ^= bit
            assert reason(text_of(bytes(altered)), kind="customer") == "code.signature", (index, bit)


@given(st.data())
def test_altered_character_is_refused(data: st.DataObject) -> None:
    text = sign(new_code(kind="pay_request", subject="pr_1", now=NOW, lifetime=300), KEY)
    index = data.draw(st.integers(min_value=4, max_value=len(text) - 1), label="index")
    replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), label="replacement")
    if text[index] == replacement:
        return
    altered = text[:index] + replacement + text[index + 1 :]
    assert reason(altered) in {"code.signature", "code.malformed"}  # malformed: only padding bits changed


def test_other_key() -> None:
    text = sign(new_code(kind="pay_request", subject="pr_1", now=NOW, lifetime=300), KEY)
    assert reason(text, key=OTHER_KEY) == "code.signature"


def test_forged_code_with_a_changed_subject() -> None:
    code = new_code(kind="pay_request", subject="pr_1", now=NOW, lifetime=300)
    genuine = blob(sign(code, KEY))
    forged = sign(SignedCode("pay_request", "pr_2", code.issued_at, code.expires_at, code.nonce), OTHER_KEY)
    spliced = blob(forged)[:-16] + genuine[-16:]  # someone else's body with our tag
    assert reason(text_of(spliced)) == "code.signature"


def test_expiry_and_leeway() -> None:
    text = sign(new_code(kind="pay_request", subject="pr_1", now=NOW, lifetime=300), KEY)
    assert verify(text, KEY, now=NOW + 329, kind="pay_request").subject == "pr_1"
    assert reason(text, now=NOW + 330) == "code.expired"
    assert reason(text, now=NOW + 300, leeway=0) == "code.expired"
    assert reason(text, now=NOW + 10**6) == "code.expired"


def test_not_yet_valid() -> None:
    text = sign(new_code(kind="customer", subject="w_1", now=NOW, lifetime=60), KEY)
    assert verify(text, KEY, now=NOW - 30, kind="customer").issued_at == NOW
    assert reason(text, now=NOW - 31, kind="customer") == "code.not_yet_valid"


def test_wrong_kind() -> None:
    customer = sign(new_code(kind="customer", subject="w_1", now=NOW, lifetime=60), KEY)
    assert reason(customer, kind="pay_request") == "code.kind"
    request = sign(new_code(kind="pay_request", subject="pr_1", now=NOW, lifetime=60), KEY)
    assert reason(request, kind="customer") == "code.kind"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "HB1.",
        "HB2.AAAAAAAA",
        "hb1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "HB1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "HB1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0AAAAAAAAAAAAAAAAAAAAA",
        "HB1.AAAAAAAA=",
        "HB1.AAAAAAAA",  # well-formed base32, far too short
        "HB1." + "A" * 157,  # too long
        "HB1." + "A" * 9,  # a length base32 cannot produce
    ],
)
def test_malformed(text: str) -> None:
    assert reason(text) == "code.malformed"


def test_unknown_kind_byte_under_a_valid_tag_is_malformed() -> None:
    body = bytes([9]) + NOW.to_bytes(5, "big") + (60).to_bytes(2, "big") + bytes(8) + b"x"
    tag = hmac.new(KEY, b"HB1." + body, hashlib.sha256).digest()[:16]
    assert reason(text_of(body + tag)) == "code.malformed"


def test_nonce_is_random_and_64_bits() -> None:
    nonces = {new_code(kind="customer", subject="w_1", now=NOW, lifetime=60).nonce for _ in range(200)}
    assert len(nonces) == 200
    for nonce in nonces:
        assert len(base64.b32decode(nonce + "===")) == 8


@pytest.mark.parametrize(
    ("kind", "lifetime"), [("pay_request", 901), ("customer", 121), ("customer", 0), ("pay_request", -1)]
)
def test_lifetime_is_bounded(kind: str, lifetime: int) -> None:
    with pytest.raises(CodeError) as caught:
        new_code(kind=kind, subject="s", now=NOW, lifetime=lifetime)
    assert caught.value.code == "code.malformed"


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "refund"},
        {"subject": ""},
        {"subject": "x" * 65},
        {"subject": "with space"},
        {"subject": "住民"},
        {"issued_at": -1},
        {"expires_at": NOW},
        {"nonce": "short"},
        {"nonce": "aaaaaaaaaaaaa"},
    ],
)
def test_signed_code_checks_its_fields(fields: dict[str, object]) -> None:
    base: dict[str, object] = {
        "kind": "customer",
        "subject": "w_1",
        "issued_at": NOW,
        "expires_at": NOW + 60,
        "nonce": "AAAAAAAAAAAAA",
    }
    with pytest.raises(CodeError) as caught:
        SignedCode(**{**base, **fields})  # type: ignore[arg-type]
    assert caught.value.code == ("code.kind" if "kind" in fields else "code.malformed")


def test_short_key_and_unknown_expected_kind_are_programming_errors() -> None:
    code = new_code(kind="customer", subject="w_1", now=NOW, lifetime=60)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        sign(code, b"short")
    text = sign(code, KEY)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        verify(text, b"short", now=NOW, kind="customer")
    with pytest.raises(ValueError, match="unknown code kind"):
        verify(text, KEY, now=NOW, kind="refund")
