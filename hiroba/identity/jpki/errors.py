"""The one exception the JPKI package raises for anything a caller should turn into a refusal.

`code` is a stable machine reason (the strings below never change meaning); `message` is English for logs
and never shown to residents as is.
"""

from __future__ import annotations

from typing import Final

MALFORMED_CERTIFICATE: Final = "jpki.malformed_certificate"
UNKNOWN_ISSUER: Final = "jpki.unknown_issuer"
WRONG_CERTIFICATE_TYPE: Final = "jpki.wrong_certificate_type"
NOT_YET_VALID: Final = "jpki.not_yet_valid"
EXPIRED: Final = "jpki.expired"
KEY_USAGE: Final = "jpki.key_usage"
POLICY: Final = "jpki.policy"
CHAIN: Final = "jpki.chain"
REVOKED: Final = "jpki.revoked"
REVOCATION_UNAVAILABLE: Final = "jpki.revocation_unavailable"
OCSP_STALE: Final = "jpki.ocsp_stale"
OCSP_UNSIGNED: Final = "jpki.ocsp_unsigned"
OCSP_NONCE: Final = "jpki.ocsp_nonce"
MALFORMED_SIGNATURE: Final = "jpki.malformed_signature"
BAD_SIGNATURE: Final = "jpki.bad_signature"

ERROR_CODES: Final = frozenset(
    {
        MALFORMED_CERTIFICATE,
        UNKNOWN_ISSUER,
        WRONG_CERTIFICATE_TYPE,
        NOT_YET_VALID,
        EXPIRED,
        KEY_USAGE,
        POLICY,
        CHAIN,
        REVOKED,
        REVOCATION_UNAVAILABLE,
        OCSP_STALE,
        OCSP_UNSIGNED,
        OCSP_NONCE,
        MALFORMED_SIGNATURE,
        BAD_SIGNATURE,
    }
)


class JpkiError(Exception):
    """A certificate, signature or revocation answer was refused; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
