"""The sign-in challenge: a server nonce, and the bytes the card signs (Web eID style origin binding).

The card signs `SHA-256(origin) || SHA-256(nonce)`; the server rebuilds these bytes from its own session state
(the nonce it issued, the origin it serves) and never reads them back from the client.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Final

NONCE_BYTES: Final = 32


def new_nonce() -> str:
    """A fresh challenge: standard padded base64 of 32 random bytes (44 characters)."""
    return base64.b64encode(secrets.token_bytes(NONCE_BYTES)).decode("ascii")


def signed_data(*, origin: str, nonce: str) -> bytes:
    """The 64 bytes the card signs: SHA-256 of the origin, then SHA-256 of the nonce (both UTF-8)."""
    return hashlib.sha256(origin.encode("utf-8")).digest() + hashlib.sha256(nonce.encode("utf-8")).digest()
