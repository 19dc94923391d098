"""My Number Card (JPKI) certificate validation, revocation, 基本4情報 and a card-less test rig.

Django-free on purpose: nothing here imports Django or other Hiroba modules. The test rig (`testca`,
`virtualcard`) is re-exported for development tools and tests; it must never be wired to real sign-ins.
"""

from __future__ import annotations

from .challenge import NONCE_BYTES, new_nonce, signed_data
from .errors import JpkiError
from .facts import BasicFacts, read_basic_facts
from .revocation import (
    CombinedChecker,
    CrlChecker,
    OcspChecker,
    OcspFetch,
    RevocationChecker,
    RevocationEvidence,
    http_fetch,
    load_crl,
)
from .testca import (
    TEST_AUTH_POLICY_OID,
    TEST_SIGN_POLICY_OID,
    CaGeneration,
    TestCa,
    issue_certificate,
    issue_virtual_card,
    make_test_ca,
)
from .validate import (
    MAX_CERTIFICATE_BYTES,
    CertificateKind,
    JpkiConfig,
    ValidatedCertificate,
    load_certificate,
    validate_certificate,
    verify_authentication,
    verify_signature,
    verify_signing,
)
from .virtualcard import PLASTIC_CARD_TOKEN, SMARTPHONE_TOKEN, TOKENS, VirtualCard

__all__ = [
    "MAX_CERTIFICATE_BYTES",
    "NONCE_BYTES",
    "PLASTIC_CARD_TOKEN",
    "SMARTPHONE_TOKEN",
    "TEST_AUTH_POLICY_OID",
    "TEST_SIGN_POLICY_OID",
    "TOKENS",
    "BasicFacts",
    "CaGeneration",
    "CertificateKind",
    "CombinedChecker",
    "CrlChecker",
    "JpkiConfig",
    "JpkiError",
    "OcspChecker",
    "OcspFetch",
    "RevocationChecker",
    "RevocationEvidence",
    "TestCa",
    "ValidatedCertificate",
    "VirtualCard",
    "http_fetch",
    "issue_certificate",
    "issue_virtual_card",
    "load_certificate",
    "load_crl",
    "make_test_ca",
    "new_nonce",
    "read_basic_facts",
    "signed_data",
    "validate_certificate",
    "verify_authentication",
    "verify_signature",
    "verify_signing",
]
