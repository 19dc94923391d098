"""Keyed hashes: pairwise resident IDs and the lookups that stand in for certificates and external IDs.

A pairwise ID is HMAC-SHA256(pairwise key, context ‖ 0x00 ‖ person ID), so two municipalities (or a municipality
and a merchant) hold unrelated values for the same person and cannot join their data on them; only the identity app,
which holds the person ID and the key, can relate them. Lookups use a second key, so a leaked lookup table cannot be
turned into pairwise IDs or back into certificate serials without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from django.conf import settings

KEY_VERSION = 1


def _key(configured: str, purpose: str) -> bytes:
    if configured:
        return configured.encode()
    # Developers' machines and tests only: production.py refuses to start without explicit keys.
    return hashlib.sha256(f"hiroba.identity.{purpose}:{settings.SECRET_KEY}".encode()).digest()


def pairwise_id(*, person_id: uuid.UUID, context: str) -> str:
    """The ID a context (a municipality "lg:202177", a merchant "merchant:…") knows a person by."""
    mac = hmac.new(
        _key(settings.IDENTITY_PAIRWISE_KEY, "pairwise"), f"{context}\x00{person_id}".encode(), hashlib.sha256
    )
    return f"p{KEY_VERSION}_" + base64.b32encode(mac.digest()[:20]).decode().lower()


def municipality_context(lg_code: str) -> str:
    return f"lg:{lg_code}"


def lookup_hash(kind: str, *parts: str) -> str:
    """A keyed, one-way stand-in for an external identifier (certificate serial, OIDC subject, IP address)."""
    message = "\x00".join((kind, *parts)).encode()
    return hmac.new(_key(settings.IDENTITY_LOOKUP_KEY, "lookup"), message, hashlib.sha256).hexdigest()


def purpose_key(purpose: str) -> bytes:
    """A secret for another app's keyed hashes (health's insurance-card keys), derived from the lookup key so that
    the operator manages one secret, and separated by purpose so that one table cannot be joined with another."""
    return hmac.new(_key(settings.IDENTITY_LOOKUP_KEY, "lookup"), f"key:{purpose}".encode(), hashlib.sha256).digest()
