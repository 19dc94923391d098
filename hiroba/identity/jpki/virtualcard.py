"""A virtual My Number Card in one JSON file, for development and tests without a card reader.

The two private keys are wrapped with keys derived from the holder's secrets, so the PIN never leaves the holder:
PBKDF2-HMAC-SHA256 (16-byte salt, iterations stored) → AES-256-GCM (12-byte iv, tag appended, no associated
data) over the PKCS#8 DER private key. Browser JavaScript unwraps it with WebCrypto alone:
deriveKey(PBKDF2, SHA-256) → decrypt(AES-GCM) → importKey("pkcs8", RSASSA-PKCS1-v1_5, SHA-256) → sign.

File shape (binary fields in standard padded base64)::

    {"format": "hiroba-virtual-card/1", "token": "JPKIAPICCTOKEN2" | "JPKIAPGPSETOKEN", "label": "...",
     "auth": {"certificate": b64 DER, "key": {"kdf": "PBKDF2-SHA256", "iterations": n, "salt": b64,
                                              "cipher": "AES-256-GCM", "iv": b64, "data": b64}},
     "sign": {...the same...}}

The auth key is wrapped with the 4-digit PIN; the sign key with the 6–16 character password, upper-cased
(A–Z, 0–9) like the real card does.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from .challenge import signed_data
from .errors import JpkiError
from .validate import load_certificate

FORMAT: Final = "hiroba-virtual-card/1"
PLASTIC_CARD_TOKEN: Final = "JPKIAPICCTOKEN2"  # noqa: S105 - the card's token EF value, not a secret
SMARTPHONE_TOKEN: Final = "JPKIAPGPSETOKEN"  # noqa: S105 - the same for a smartphone secure element
TOKENS: Final = frozenset({PLASTIC_CARD_TOKEN, SMARTPHONE_TOKEN})
KDF: Final = "PBKDF2-SHA256"
CIPHER: Final = "AES-256-GCM"
DEFAULT_ITERATIONS: Final = 100_000
MIN_ITERATIONS: Final = 10_000
MAX_ITERATIONS: Final = 10_000_000
SALT_BYTES: Final = 16
IV_BYTES: Final = 12
MAX_CARD_JSON_CHARS: Final = 64 * 1024
MAX_LABEL_CHARS: Final = 200
_MAX_WRAPPED_KEY_BYTES: Final = 8192

_PIN = re.compile(r"[0-9]{4}")
_SIGN_PASSWORD = re.compile(r"[A-Z0-9]{6,16}")


class CardFormatError(ValueError):
    """A card file (or a field of it) is not a well-formed hiroba-virtual-card/1 document."""


def normalise_pin(pin: str) -> str:
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise ValueError("the PIN must be 4 digits")
    return pin


def normalise_sign_password(password: str) -> str:
    """Upper-case the password as the card does; it must then be 6–16 characters of A–Z and 0–9."""
    if not isinstance(password, str) or not _SIGN_PASSWORD.fullmatch(password.upper()):
        raise ValueError("the signature password must be 6-16 letters or digits")
    return password.upper()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, field: str) -> bytes:
    if not isinstance(value, str):
        raise CardFormatError(f"{field} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise CardFormatError(f"{field} is not valid base64") from exc


def _derive(secret: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(secret.encode("utf-8"))


@dataclass(frozen=True)
class WrappedKey:
    """A PKCS#8 private key encrypted under a PBKDF2-derived AES-256-GCM key."""

    iterations: int
    salt: bytes
    iv: bytes
    data: bytes  # ciphertext || 16-byte GCM tag, as WebCrypto produces and expects

    @classmethod
    def wrap(cls, key: rsa.RSAPrivateKey, secret: str, *, iterations: int = DEFAULT_ITERATIONS) -> WrappedKey:
        salt, iv = os.urandom(SALT_BYTES), os.urandom(IV_BYTES)
        pkcs8 = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(iterations, salt, iv, AESGCM(_derive(secret, salt, iterations)).encrypt(iv, pkcs8, None))

    def unwrap(self, secret: str) -> rsa.RSAPrivateKey:
        """The private key; ValueError("wrong secret") when the derived key does not open it."""
        try:
            pkcs8 = AESGCM(_derive(secret, self.salt, self.iterations)).decrypt(self.iv, self.data, None)
        except InvalidTag:
            raise ValueError("wrong secret") from None
        key = serialization.load_der_private_key(pkcs8, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CardFormatError("wrapped key is not an RSA key")
        return key

    def to_json_obj(self) -> dict[str, Any]:
        return {
            "kdf": KDF,
            "iterations": self.iterations,
            "salt": _b64(self.salt),
            "cipher": CIPHER,
            "iv": _b64(self.iv),
            "data": _b64(self.data),
        }

    @classmethod
    def from_json_obj(cls, obj: object, field: str) -> WrappedKey:
        if not isinstance(obj, dict):
            raise CardFormatError(f"{field} must be an object")
        if obj.get("kdf") != KDF or obj.get("cipher") != CIPHER:
            raise CardFormatError(f"{field} must use {KDF} and {CIPHER}")
        iterations = obj.get("iterations")
        if type(iterations) is not int or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            raise CardFormatError(f"{field}.iterations must be an integer in [{MIN_ITERATIONS}, {MAX_ITERATIONS}]")
        salt, iv, data = (_unb64(obj.get(name), f"{field}.{name}") for name in ("salt", "iv", "data"))
        if len(salt) != SALT_BYTES or len(iv) != IV_BYTES or not 16 < len(data) <= _MAX_WRAPPED_KEY_BYTES:  # noqa: PLR2004 - GCM tag
            raise CardFormatError(f"{field} has a salt, iv or data of the wrong size")
        return cls(iterations, salt, iv, data)


def _matching(key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> rsa.RSAPrivateKey:
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.public_numbers() != key.public_key().public_numbers():
        raise ValueError("the card's key does not match its certificate")
    return key


def _sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@dataclass
class VirtualCard:
    token: str  # JPKIAPICCTOKEN2 (plastic card) or JPKIAPGPSETOKEN (smartphone)
    label: str
    auth_certificate: x509.Certificate
    sign_certificate: x509.Certificate
    auth_key: WrappedKey  # under the 4-digit PIN
    sign_key: WrappedKey  # under the upper-cased signature password

    @classmethod
    def create(
        cls,
        *,
        token: str,
        label: str,
        auth_certificate: x509.Certificate,
        auth_private_key: rsa.RSAPrivateKey,
        sign_certificate: x509.Certificate,
        sign_private_key: rsa.RSAPrivateKey,
        pin: str,
        sign_password: str,
        iterations: int = DEFAULT_ITERATIONS,
    ) -> VirtualCard:
        if token not in TOKENS:
            raise ValueError(f"token must be one of {sorted(TOKENS)}")
        if not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
            raise ValueError(f"iterations must be in [{MIN_ITERATIONS}, {MAX_ITERATIONS}]")
        return cls(
            token=token,
            label=label,
            auth_certificate=auth_certificate,
            sign_certificate=sign_certificate,
            auth_key=WrappedKey.wrap(
                _matching(auth_private_key, auth_certificate), normalise_pin(pin), iterations=iterations
            ),
            sign_key=WrappedKey.wrap(
                _matching(sign_private_key, sign_certificate),
                normalise_sign_password(sign_password),
                iterations=iterations,
            ),
        )

    @property
    def auth_certificate_der(self) -> bytes:
        return self.auth_certificate.public_bytes(serialization.Encoding.DER)

    @property
    def sign_certificate_der(self) -> bytes:
        return self.sign_certificate.public_bytes(serialization.Encoding.DER)

    def sign_auth(self, pin: str, data: bytes) -> bytes:
        """Sign with the authentication key; a wrong PIN is refused with ValueError("wrong PIN")."""
        secret = normalise_pin(pin)
        try:
            key = self.auth_key.unwrap(secret)
        except ValueError:
            raise ValueError("wrong PIN") from None
        return _sign(_matching(key, self.auth_certificate), data)

    def sign_sign(self, password: str, data: bytes) -> bytes:
        """Sign with the signature key; a wrong password is refused with ValueError("wrong password")."""
        secret = normalise_sign_password(password)
        try:
            key = self.sign_key.unwrap(secret)
        except ValueError:
            raise ValueError("wrong password") from None
        return _sign(_matching(key, self.sign_certificate), data)

    def authenticate(self, *, pin: str, origin: str, nonce: str) -> tuple[bytes, bytes]:
        """What a client returns at sign-in: (auth certificate DER, signature over signed_data(origin, nonce))."""
        return self.auth_certificate_der, self.sign_auth(pin, signed_data(origin=origin, nonce=nonce))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "token": self.token,
                "label": self.label,
                "auth": {"certificate": _b64(self.auth_certificate_der), "key": self.auth_key.to_json_obj()},
                "sign": {"certificate": _b64(self.sign_certificate_der), "key": self.sign_key.to_json_obj()},
            },
            ensure_ascii=False,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> VirtualCard:
        """Parse and check a card file; ValueError for anything that is not a well-formed card."""
        if not isinstance(text, str) or len(text) > MAX_CARD_JSON_CHARS:
            raise CardFormatError("card file must be text of at most 64 KiB")
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise CardFormatError(f"card file is not JSON: {exc}") from exc
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise CardFormatError(f"not a {FORMAT} file")
        token, label = obj.get("token"), obj.get("label")
        if not isinstance(token, str) or token not in TOKENS:
            raise CardFormatError(f"token must be one of {sorted(TOKENS)}")
        if not isinstance(label, str) or len(label) > MAX_LABEL_CHARS:
            raise CardFormatError("label must be a short string")
        certificates: list[x509.Certificate] = []
        keys: list[WrappedKey] = []
        for slot in ("auth", "sign"):
            entry = obj.get(slot)
            if not isinstance(entry, dict):
                raise CardFormatError(f"{slot} must be an object")
            try:
                certificates.append(load_certificate(_unb64(entry.get("certificate"), f"{slot}.certificate")))
            except JpkiError as exc:
                raise CardFormatError(f"{slot}.certificate: {exc.message}") from exc
            keys.append(WrappedKey.from_json_obj(entry.get("key"), f"{slot}.key"))
        return cls(
            token=token,
            label=label,
            auth_certificate=certificates[0],
            sign_certificate=certificates[1],
            auth_key=keys[0],
            sign_key=keys[1],
        )
