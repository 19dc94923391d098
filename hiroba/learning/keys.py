"""The platform's badge-signing key and the keyed hash that stands in for a staff member on a badge.

`LEARNING_BADGE_KEY_FILE` names an Ed25519 private key in PEM (PKCS#8) — `openssl genpkey -algorithm ed25519`.
Empty (developers' machines and tests only; production.py refuses to start without it): a key derived from
SECRET_KEY, so every process of one installation signs with the same key and nothing is written to disk.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from hiroba.identity.keys import purpose_key


@cache
def _load(path: str, secret: str) -> Ed25519PrivateKey:
    if path:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise TypeError(f"{path}: the badge key must be an Ed25519 private key")
        return key
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"hiroba.learning.badge:{secret}".encode()).digest())


def badge_key() -> Ed25519PrivateKey:
    return _load(str(settings.LEARNING_BADGE_KEY_FILE), str(settings.SECRET_KEY))


def learner_hash(*, public_id: str) -> str:
    """HMAC-SHA256 of the staff member's public account ID under a key only the platform holds (hex): a badge can be
    matched to its holder by the platform, and by nobody else."""
    return hmac.new(purpose_key("learning-badge"), f"staff:{public_id}".encode(), hashlib.sha256).hexdigest()
