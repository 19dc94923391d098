"""Voter credentials (specification 2.0, section 4.8): checksum, secret exponent and public credential."""

from __future__ import annotations

import hashlib
import secrets

from hiroba.voting.crypto.groups import E, Group

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_CHECKSUM_MODULUS = 53
_RAW_LENGTH = 15


def credential_is_well_formed(credential: str) -> bool:
    """XXX-XXX-XXX-XXX-XXX or 15 Base58 characters whose last one is the checksum 53 - c1 mod 53."""
    raw = credential.replace("-", "") if len(credential) == 19 else credential  # noqa: PLR2004 - dashed form
    if len(raw) != _RAW_LENGTH or any(ch not in BASE58 for ch in raw):
        return False
    value = 0
    for ch in raw[:14]:
        value = value * 58 + BASE58.index(ch)
    return BASE58.index(raw[14]) == (_CHECKSUM_MODULUS - value) % _CHECKSUM_MODULUS


def credential_generate() -> str:
    digits = [secrets.choice(BASE58) for _ in range(14)]
    value = 0
    for ch in digits:
        value = value * 58 + BASE58.index(ch)
    raw = "".join(digits) + BASE58[(_CHECKSUM_MODULUS - value) % _CHECKSUM_MODULUS]
    return "-".join(raw[i : i + 3] for i in range(0, 15, 3))


def credential_secret(group: Group[E], credential: str, uuid: str) -> int:
    """PBKDF2-HMAC-SHA256(credential, salt = uuid, 1000 iterations, one block) as a number modulo q."""
    derived = hashlib.pbkdf2_hmac("sha256", credential.encode(), uuid.encode(), 1000, 32)
    return int.from_bytes(derived, "big") % group.q


def credential_public(group: Group[E], credential: str, uuid: str) -> E:
    return group.g_pow(credential_secret(group, credential, uuid))
