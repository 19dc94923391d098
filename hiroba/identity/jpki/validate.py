"""Validation of My Number Card (JPKI) certificates and of the signatures made with them.

Order of checks (so the reason codes are precise): parse → certificate type → issuer (AKI == anchor SKI, since
CA generations share one subject DN) → validity period → key size → KeyUsage → CertificatePolicies → path
validation by `cryptography.x509.verification` → revocation. Leaf keys must be RSA with at least 2048 bits (the
card's keys are RSA-2048); the JPKI leaves' lack of subjectAltName is why a custom end-entity policy is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from .challenge import signed_data
from .errors import (
    BAD_SIGNATURE,
    CHAIN,
    EXPIRED,
    KEY_USAGE,
    MALFORMED_CERTIFICATE,
    MALFORMED_SIGNATURE,
    NOT_YET_VALID,
    POLICY,
    UNKNOWN_ISSUER,
    WRONG_CERTIFICATE_TYPE,
    JpkiError,
)
from .revocation import (
    RevocationChecker,
    RevocationEvidence,
    authority_key_identifier,
    key_identifier,
    require_aware,
)

MAX_CERTIFICATE_BYTES: Final = 8192
MIN_RSA_KEY_BITS: Final = 2048


class CertificateKind(StrEnum):
    AUTH = "auth"  # 利用者証明用電子証明書: sign-in
    SIGN = "sign"  # 署名用電子証明書: signatures and the 基本4情報

    @property
    def other(self) -> CertificateKind:
        return CertificateKind.SIGN if self is CertificateKind.AUTH else CertificateKind.AUTH


@dataclass(frozen=True)
class JpkiConfig:
    """Trust anchors (every live CA generation) and the policy OIDs a leaf of each kind must carry.

    An empty policy set refuses every certificate of that kind (fail closed).
    """

    auth_anchors: tuple[x509.Certificate, ...]
    sign_anchors: tuple[x509.Certificate, ...]
    auth_policy_oids: frozenset[str]
    sign_policy_oids: frozenset[str]

    def anchors(self, kind: CertificateKind) -> tuple[x509.Certificate, ...]:
        return self.auth_anchors if kind is CertificateKind.AUTH else self.sign_anchors

    def policy_oids(self, kind: CertificateKind) -> frozenset[str]:
        return self.auth_policy_oids if kind is CertificateKind.AUTH else self.sign_policy_oids

    @classmethod
    def from_pem_files(
        cls,
        *,
        auth_anchor_files: Iterable[str | Path],
        sign_anchor_files: Iterable[str | Path],
        auth_policy_oids: Iterable[str],
        sign_policy_oids: Iterable[str],
    ) -> JpkiConfig:
        """Read anchors from PEM files (each file may hold several certificates)."""

        def read(files: Iterable[str | Path]) -> tuple[x509.Certificate, ...]:
            return tuple(cert for file in files for cert in x509.load_pem_x509_certificates(Path(file).read_bytes()))

        return cls(
            auth_anchors=read(auth_anchor_files),
            sign_anchors=read(sign_anchor_files),
            auth_policy_oids=frozenset(auth_policy_oids),
            sign_policy_oids=frozenset(sign_policy_oids),
        )


@dataclass(frozen=True)
class ValidatedCertificate:
    certificate: x509.Certificate
    kind: CertificateKind
    issuer: x509.Certificate  # the matched anchor (CA generation)
    issuer_key_id: bytes  # that anchor's SubjectKeyIdentifier digest
    serial: int
    not_after: datetime  # aware UTC
    revocation: RevocationEvidence


def _malformed(message: str) -> JpkiError:
    return JpkiError(MALFORMED_CERTIFICATE, message)


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse one DER certificate (no trailing bytes, at most MAX_CERTIFICATE_BYTES), extensions included."""
    if not isinstance(der, bytes) or not der:
        raise _malformed("certificate must be non-empty DER bytes")
    if len(der) > MAX_CERTIFICATE_BYTES:
        raise _malformed(f"certificate is larger than {MAX_CERTIFICATE_BYTES} bytes")
    try:
        certificate = x509.load_der_x509_certificate(der)
        _ = certificate.extensions  # parsed lazily otherwise; a broken extension is a broken certificate
    except ValueError as exc:
        raise _malformed(f"certificate does not parse: {exc}") from exc
    return certificate


def _policy_oids(certificate: x509.Certificate) -> frozenset[str]:
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(info.policy_identifier.dotted_string for info in policies)


def _issued_by(certificate: x509.Certificate, anchor: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _find_anchor(certificate: x509.Certificate, anchors: Iterable[x509.Certificate]) -> x509.Certificate | None:
    """The anchor named by the leaf's AKI; without an AKI, the same-named anchor whose key signed the leaf."""
    aki = authority_key_identifier(certificate.extensions)
    for anchor in anchors:
        if aki is not None:
            if key_identifier(anchor) == aki:
                return anchor
        elif anchor.subject == certificate.issuer and _issued_by(certificate, anchor):
            return anchor
    return None


def _select_anchor(certificate: x509.Certificate, kind: CertificateKind, config: JpkiConfig) -> x509.Certificate:
    anchor = _find_anchor(certificate, config.anchors(kind))
    policies = _policy_oids(certificate)
    other_policy = bool(policies & config.policy_oids(kind.other)) and not policies & config.policy_oids(kind)
    if (anchor is None and _find_anchor(certificate, config.anchors(kind.other)) is not None) or other_policy:
        raise JpkiError(WRONG_CERTIFICATE_TYPE, f"a {kind.other.value} certificate was offered for {kind.value}")
    if anchor is None:
        raise JpkiError(UNKNOWN_ISSUER, f"no configured {kind.value} CA issued this certificate")
    return anchor


def _required_key_usage(kind: CertificateKind) -> str:
    return "digitalSignature" if kind is CertificateKind.AUTH else "digitalSignature+contentCommitment"


def _key_usage_fits(usage: x509.KeyUsage, kind: CertificateKind) -> bool:
    return usage.digital_signature and (kind is CertificateKind.AUTH or usage.content_commitment)


def _verify_path(certificate: x509.Certificate, anchor: x509.Certificate, kind: CertificateKind, at: datetime) -> None:
    def key_usage_validator(policy: Policy, cert: x509.Certificate, usage: x509.KeyUsage) -> None:
        if not _key_usage_fits(usage, kind):
            raise ValueError(f"KeyUsage lacks {_required_key_usage(kind)}")

    ee_policy = (
        ExtensionPolicy.permit_all()
        .require_present(x509.KeyUsage, Criticality.AGNOSTIC, key_usage_validator)
        # Checked by this module (policies) or read by facts.py (the signature certificate's otherNames);
        # listed so that a critical marking does not count as an unhandled critical extension.
        .may_be_present(x509.CertificatePolicies, Criticality.AGNOSTIC, None)
        .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
    )
    verifier = (
        PolicyBuilder()
        .store(Store([anchor]))
        .time(at)
        .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy)
        .build_client_verifier()
    )
    try:
        verifier.verify(certificate, [])
    except VerificationError as exc:
        raise JpkiError(CHAIN, f"path validation failed: {exc}") from exc


def _validate_without_revocation(
    der: bytes, *, kind: CertificateKind, config: JpkiConfig, at: datetime
) -> tuple[x509.Certificate, x509.Certificate]:
    require_aware(at)
    certificate = load_certificate(der)
    anchor = _select_anchor(certificate, kind, config)
    if at < certificate.not_valid_before_utc:
        raise JpkiError(NOT_YET_VALID, f"certificate is valid from {certificate.not_valid_before_utc}")
    if at > certificate.not_valid_after_utc:
        raise JpkiError(EXPIRED, f"certificate expired at {certificate.not_valid_after_utc}")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_KEY_BITS:
        raise JpkiError(CHAIN, f"certificate key must be RSA of at least {MIN_RSA_KEY_BITS} bits")
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise JpkiError(KEY_USAGE, "certificate has no KeyUsage") from None
    if not _key_usage_fits(usage, kind):
        raise JpkiError(KEY_USAGE, f"a {kind.value} certificate needs KeyUsage {_required_key_usage(kind)}")
    if not _policy_oids(certificate) & config.policy_oids(kind):
        raise JpkiError(POLICY, f"certificate carries none of the accepted {kind.value} policy OIDs")
    _verify_path(certificate, anchor, kind, at)
    return certificate, anchor


def _validated(
    certificate: x509.Certificate, anchor: x509.Certificate, kind: CertificateKind, evidence: RevocationEvidence
) -> ValidatedCertificate:
    return ValidatedCertificate(
        certificate=certificate,
        kind=kind,
        issuer=anchor,
        issuer_key_id=key_identifier(anchor),
        serial=certificate.serial_number,
        not_after=certificate.not_valid_after_utc,
        revocation=evidence,
    )


def validate_certificate(
    der: bytes, *, kind: CertificateKind, config: JpkiConfig, at: datetime, revocation: RevocationChecker
) -> ValidatedCertificate:
    """Validate a leaf of the given kind at the aware instant `at`, revocation included; JpkiError on refusal."""
    certificate, anchor = _validate_without_revocation(der, kind=kind, config=config, at=at)
    evidence = revocation.check(certificate, anchor, at=at)
    return _validated(certificate, anchor, kind, evidence)


def verify_signature(certificate: x509.Certificate, *, data: bytes, signature: bytes) -> None:
    """RSASSA-PKCS1-v1_5 with SHA-256 over `data` (the card hashes the data itself, like WebCrypto)."""
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise JpkiError(MALFORMED_SIGNATURE, "certificate key is not RSA")
    if not isinstance(signature, bytes) or len(signature) != (key.key_size + 7) // 8:
        raise JpkiError(MALFORMED_SIGNATURE, "signature is not bytes of the modulus size")
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise JpkiError(BAD_SIGNATURE, "signature does not verify") from None


def _verify_signed(
    *,
    certificate_der: bytes,
    kind: CertificateKind,
    signature: bytes,
    data: bytes,
    config: JpkiConfig,
    at: datetime,
    revocation: RevocationChecker,
) -> ValidatedCertificate:
    # Revocation comes last: a forged signature must not make Hiroba query a responder on the forger's behalf.
    certificate, anchor = _validate_without_revocation(certificate_der, kind=kind, config=config, at=at)
    verify_signature(certificate, data=data, signature=signature)
    evidence = revocation.check(certificate, anchor, at=at)
    return _validated(certificate, anchor, kind, evidence)


def verify_authentication(
    *,
    certificate_der: bytes,
    signature: bytes,
    origin: str,
    nonce: str,
    config: JpkiConfig,
    at: datetime,
    revocation: RevocationChecker,
) -> ValidatedCertificate:
    """A sign-in: an AUTH certificate and its signature over signed_data(origin, nonce).

    `origin` and `nonce` must come from the server's own state (its origin, the nonce taken out of the session),
    never from the client's request.
    """
    return _verify_signed(
        certificate_der=certificate_der,
        kind=CertificateKind.AUTH,
        signature=signature,
        data=signed_data(origin=origin, nonce=nonce),
        config=config,
        at=at,
        revocation=revocation,
    )


def verify_signing(
    *,
    certificate_der: bytes,
    signature: bytes,
    data: bytes,
    config: JpkiConfig,
    at: datetime,
    revocation: RevocationChecker,
) -> ValidatedCertificate:
    """A SIGN certificate and its signature over arbitrary `data`."""
    return _verify_signed(
        certificate_der=certificate_der,
        kind=CertificateKind.SIGN,
        signature=signature,
        data=data,
        config=config,
        at=at,
        revocation=revocation,
    )
