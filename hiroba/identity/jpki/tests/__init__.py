"""Tests of the JPKI package; the cached rig below is shared by the test modules.

RSA-2048 key generation is the slow part, so CAs, leaf keys and cards are made once per session.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from hiroba.identity.jpki.revocation import CrlChecker
from hiroba.identity.jpki.testca import TestCa, issue_virtual_card, make_test_ca
from hiroba.identity.jpki.validate import CertificateKind
from hiroba.identity.jpki.virtualcard import VirtualCard

NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
ORIGIN = "https://hiroba.example.jp"
PIN = "1234"
SIGN_PASSWORD = "ABC123"
TEST_ITERATIONS = 10_000  # the card format's minimum: keeps PBKDF2 cheap in tests


@functools.cache
def rig() -> TestCa:
    return make_test_ca(now=NOW)


@functools.cache
def foreign_rig() -> TestCa:
    """An unrelated test CA with the very same subject DNs (only the keys differ)."""
    return make_test_ca(now=NOW)


@functools.cache
def leaf_key(slot: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def labels(kind: CertificateKind = CertificateKind.AUTH) -> tuple[str, str]:
    """(older, newer) generation labels."""
    older, newer = sorted(
        (generation for generation in rig().generations if generation.kind is kind),
        key=lambda generation: generation.certificate.not_valid_before_utc,
    )
    return older.label, newer.label


@functools.cache
def card(which: str = "new") -> VirtualCard:
    """A card under the older ("old") or newer ("new") CA generation."""
    older, newer = labels()
    slot = 0 if which == "new" else 2
    return issue_virtual_card(
        rig(),
        name="山田 花子",
        birth_date=date(1990, 1, 2),
        sex="2",
        address="東京都千代田区霞が関二丁目1番2号",
        now=NOW - timedelta(days=10),
        generation=newer if which == "new" else older,
        auth_key=leaf_key(slot),
        sign_key=leaf_key(slot + 1),
        iterations=TEST_ITERATIONS,
    )


def crls(*, revoked: tuple[int, ...] = (), at: datetime = NOW) -> list[bytes]:
    """A fresh CRL from every generation of the rig."""
    return [
        rig().issue_crl(
            generation.kind,
            generation=generation.label,
            revoked=revoked,
            this_update=at - timedelta(hours=1),
            next_update=at + timedelta(hours=23),
        )
        for generation in rig().generations
    ]


def crl_checker(*, revoked: tuple[int, ...] = ()) -> CrlChecker:
    return CrlChecker(
        [x509.load_der_x509_crl(der) for der in crls(revoked=revoked)],
        issuers=[generation.certificate for generation in rig().generations],
    )
