"""Signed, time-limited codes for dynamic payment requests and customer-presented codes, free of Django.

A code is not a secret, but nobody may forge one or use it after it lapses. The text goes into a QR code:

    "HB1." + base32(body || tag)      upper-case, no padding: QR alphanumeric mode, at most 160 characters

    body = kind (1 byte: 1 pay_request, 2 customer)
         | issued_at (5 bytes, big-endian Unix seconds)
         | lifetime (2 bytes, big-endian seconds; expires_at = issued_at + lifetime)
         | nonce (8 random bytes)
         | subject (1-64 visible ASCII bytes, the rest of the body)
    tag  = HMAC-SHA256(key, "HB1." || body), first 16 bytes

Why HMAC-SHA256 and not Ed25519: an Ed25519 signature is 64 bytes, 103 base32 characters on its own. With
"HB1." and the 16 fixed body bytes that leaves 17 bytes for the subject inside 160 characters, and a
payment request ID or wallet reference can be 64. With a 128-bit tag (the truncation RFC 2104 and RFC 4868
allow) a 64-character subject fits in 158 characters, a smaller QR symbol that cheap phone cameras read
faster. What Ed25519 would add is verification without the server, and that is worth nothing here: a code
only does something when the server acts on it (the ledger is there, and the server must record each used
nonce so that a code cannot be spent twice in its lifetime), so the server is always the verifier. The key
never leaves it.

Callers must still refuse a second use of the same (kind, nonce) until `expires_at` has passed: the
signature makes a code unforgeable and the lifetime makes it lapse, but neither stops a replay inside the
lifetime.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "HB1."
KINDS: dict[str, int] = {"pay_request": 1, "customer": 2}
MAX_LIFETIME: dict[str, int] = {"pay_request": 15 * 60, "customer": 120}
MAX_SUBJECT = 64
NONCE_BYTES = 8
TAG_BYTES = 16
MIN_KEY_BYTES = 32
MAX_TEXT = 160
_TIME_BYTES = 5
_LIFETIME_BYTES = 2
_FIXED = 1 + _TIME_BYTES + _LIFETIME_BYTES + NONCE_BYTES
_MAX_TIME = 2 ** (8 * _TIME_BYTES) - 1
_KIND_NAMES = {number: name for name, number in KINDS.items()}
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class CodeError(ValueError):
    """Why a code is refused; `code` is a stable machine-readable reason.

    code.signature (forged, altered or another key), code.expired, code.not_yet_valid, code.malformed
    (not a code, or a field out of rule), code.kind (a code of another kind than the one expected).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _b32decode(text: str) -> bytes:
    """Strict base32: upper-case alphabet, no padding, and only the one canonical spelling of the bytes."""
    if not text or not set(text) <= _BASE32:
        raise CodeError("code.malformed", "not upper-case base32")
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise CodeError("code.malformed", "not valid base32") from exc
    if _b32encode(data) != text:  # unused trailing bits set, or an impossible length
        raise CodeError("code.malformed", "not canonical base32")
    return data


@dataclass(frozen=True, slots=True)
class SignedCode:
    """The content of a code. Construction checks every field (CodeError "code.kind" or "code.malformed")."""

    kind: str
    subject: str
    issued_at: int
    expires_at: int
    nonce: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CodeError("code.kind", f"unknown code kind {self.kind!r}")
        if not 1 <= len(self.subject) <= MAX_SUBJECT or not all("!" <= char <= "~" for char in self.subject):
            raise CodeError("code.malformed", f"subject must be 1-{MAX_SUBJECT} visible ASCII characters")
        if not 0 <= self.issued_at <= _MAX_TIME:
            raise CodeError("code.malformed", f"issued_at {self.issued_at} is out of range")
        lifetime = self.expires_at - self.issued_at
        if not 0 < lifetime <= MAX_LIFETIME[self.kind]:
            raise CodeError(
                "code.malformed", f"a {self.kind} code lives 1-{MAX_LIFETIME[self.kind]} s, not {lifetime} s"
            )
        if len(_nonce_bytes(self.nonce)) != NONCE_BYTES:
            raise CodeError("code.malformed", f"nonce must be {NONCE_BYTES} bytes")


def _nonce_bytes(nonce: str) -> bytes:
    try:
        return _b32decode(nonce)
    except CodeError as exc:
        raise CodeError("code.malformed", f"nonce {nonce!r} is not base32") from exc


def new_code(*, kind: str, subject: str, now: int, lifetime: int) -> SignedCode:
    """A fresh code with a random nonce, valid from `now` for `lifetime` seconds (bounded per kind)."""
    if kind not in KINDS:
        raise CodeError("code.kind", f"unknown code kind {kind!r}")
    if not 0 < lifetime <= MAX_LIFETIME[kind]:
        raise CodeError("code.malformed", f"a {kind} code lives 1-{MAX_LIFETIME[kind]} s, not {lifetime} s")
    nonce = _b32encode(secrets.token_bytes(NONCE_BYTES))
    return SignedCode(kind=kind, subject=subject, issued_at=now, expires_at=now + lifetime, nonce=nonce)


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the code key must be at least {MIN_KEY_BYTES} bytes")


def _tag(body: bytes, key: bytes) -> bytes:
    return hmac.new(key, PREFIX.encode("ascii") + body, hashlib.sha256).digest()[:TAG_BYTES]


def sign(code: SignedCode, key: bytes) -> str:
    """The QR text of a code: "HB1." and upper-case base32, at most 160 characters."""
    _check_key(key)
    body = b"".join(
        (
            bytes([KINDS[code.kind]]),
            code.issued_at.to_bytes(_TIME_BYTES, "big"),
            (code.expires_at - code.issued_at).to_bytes(_LIFETIME_BYTES, "big"),
            _nonce_bytes(code.nonce),
            code.subject.encode("ascii"),
        )
    )
    return PREFIX + _b32encode(body + _tag(body, key))


def verify(text: str, key: bytes, *, now: int, kind: str, leeway: int = 30) -> SignedCode:
    """The code in `text` if it is genuine, of the expected kind and valid at `now` (± leeway seconds).

    Checks run in this order: shape (code.malformed), tag (code.signature), kind (code.kind), time
    (code.not_yet_valid, code.expired). A code is valid for issued_at - leeway <= now < expires_at + leeway.
    """
    _check_key(key)
    if kind not in KINDS:
        raise ValueError(f"unknown code kind {kind!r}")
    text = text.strip()  # keyboard-wedge scanners append a line break
    if len(text) > MAX_TEXT or not text.startswith(PREFIX):
        raise CodeError("code.malformed", "not a Hiroba code")
    blob = _b32decode(text[len(PREFIX) :])
    if not _FIXED + 1 + TAG_BYTES <= len(blob) <= _FIXED + MAX_SUBJECT + TAG_BYTES:
        raise CodeError(
            "code.malformed", f"a code is {_FIXED + 1 + TAG_BYTES}-{_FIXED + MAX_SUBJECT + TAG_BYTES} bytes"
        )
    body, tag = blob[:-TAG_BYTES], blob[-TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(body, key)):
        raise CodeError("code.signature", "the code was not issued with this key, or has been altered")

    kind_name = _KIND_NAMES.get(body[0])
    if kind_name is None:
        raise CodeError("code.malformed", f"unknown kind byte {body[0]}")
    issued_at = int.from_bytes(body[1 : 1 + _TIME_BYTES], "big")
    lifetime = int.from_bytes(body[1 + _TIME_BYTES : 1 + _TIME_BYTES + _LIFETIME_BYTES], "big")
    nonce = body[1 + _TIME_BYTES + _LIFETIME_BYTES : _FIXED]
    try:
        subject = body[_FIXED:].decode("ascii")
    except UnicodeDecodeError as exc:
        raise CodeError("code.malformed", "subject is not ASCII") from exc
    code = SignedCode(
        kind=kind_name,
        subject=subject,
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
        nonce=_b32encode(nonce),
    )

    if code.kind != kind:
        raise CodeError("code.kind", f"expected a {kind} code, got a {code.kind} code")
    if now < code.issued_at - leeway:
        raise CodeError("code.not_yet_valid", f"the code is valid from {code.issued_at}, it is {now}")
    if now >= code.expires_at + leeway:
        raise CodeError("code.expired", f"the code expired at {code.expires_at}, it is {now}")
    return code
