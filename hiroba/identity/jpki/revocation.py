"""Revocation checking for JPKI certificates: CRLs (always) and OCSP (when a responder is available).

JPKI publishes no AIA/OCSP URL and its CRL distribution points are X.500 directory names, so both sources
reach Hiroba through J-LIS or a platform operator; this module only judges what it is given and fails closed:
no usable answer means `jpki.revocation_unavailable`, never "not revoked".
"""

from __future__ import annotations

import hashlib
import http.client
import secrets
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from .errors import OCSP_NONCE, OCSP_STALE, OCSP_UNSIGNED, REVOCATION_UNAVAILABLE, REVOKED, JpkiError

MAX_CRL_BYTES: Final = 64 * 1024 * 1024
MAX_OCSP_RESPONSE_BYTES: Final = 64 * 1024
OCSP_NONCE_BYTES: Final = 32

# Hash algorithms accepted for an OCSP CertID and for the response signature (SHA-1 only as CertID hash).
_CERT_ID_HASHES: Final = ("sha1", "sha256", "sha384", "sha512")
_SIGNATURE_HASHES: Final = (hashes.SHA256, hashes.SHA384, hashes.SHA512)


@dataclass(frozen=True)
class RevocationEvidence:
    """What showed a certificate unrevoked; kept with a sign-in so it can be justified later."""

    source: str  # "crl" | "ocsp" | "crl+ocsp"
    reference: str  # "crl:<issuer key id hex>:<crl number>:<this_update iso>" / "ocsp:<produced_at iso>"


class RevocationChecker(Protocol):
    """Raises JpkiError (`jpki.revoked`, `jpki.revocation_unavailable`, `jpki.ocsp_*`) or returns the evidence."""

    def check(self, certificate: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence: ...


def require_aware(at: datetime) -> None:
    """All instants in this package are timezone-aware; a naive one is a programming error."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be a timezone-aware datetime")


def key_identifier(certificate: x509.Certificate) -> bytes:
    """The certificate's SubjectKeyIdentifier digest (RFC 5280 method 1 computed when the extension is absent)."""
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def authority_key_identifier(extensions: x509.Extensions) -> bytes | None:
    """The keyIdentifier of an AuthorityKeyIdentifier extension, if there is one."""
    try:
        return extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None


def _unavailable(message: str) -> JpkiError:
    return JpkiError(REVOCATION_UNAVAILABLE, message)


# --- CRL -----------------------------------------------------------------------------------------------------------


def _crl_is_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    if crl.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return False
    return crl.is_signature_valid(key)


def _crl_issuer(crl: x509.CertificateRevocationList, issuers: Iterable[x509.Certificate]) -> x509.Certificate | None:
    """The issuer whose key signed this CRL: the AKI narrows the candidates (generations share one name)."""
    try:
        aki = authority_key_identifier(crl.extensions)
    except ValueError:
        return None
    for issuer in issuers:
        if aki is not None and key_identifier(issuer) != aki:
            continue
        if _crl_is_signed_by(crl, issuer):
            return issuer
    return None


def _crl_scope(crl: x509.CertificateRevocationList) -> frozenset[x509.GeneralName] | None:
    """Which distribution point names a (partitioned) CRL covers; None = every certificate of the issuer.

    Raises ValueError for CRLs that cannot prove a leaf unrevoked at all (delta CRLs, CA-only, attribute-only,
    reason-partitioned or indirect CRLs).
    """
    if any(isinstance(ext.value, x509.DeltaCRLIndicator) for ext in crl.extensions):
        raise ValueError("delta CRLs are not supported")
    try:
        idp = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return None
    if idp.only_contains_ca_certs or idp.only_contains_attribute_certs or idp.only_some_reasons or idp.indirect_crl:
        raise ValueError("CRL scope does not cover end-entity certificates completely")
    if idp.full_name:
        return frozenset(idp.full_name)
    if idp.relative_name is not None:
        raise ValueError("relative distribution point names are not supported")
    return None


def _certificate_distribution_points(certificate: x509.Certificate) -> frozenset[x509.GeneralName]:
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(name for point in points for name in (point.full_name or ()))


def _crl_number(crl: x509.CertificateRevocationList) -> int | None:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return None


def _crl_order(crl: x509.CertificateRevocationList) -> tuple[datetime, int]:
    return crl.last_update_utc, _crl_number(crl) or 0


def load_crl(der: bytes, *, issuers: Iterable[x509.Certificate]) -> x509.CertificateRevocationList:
    """Parse a DER CRL and check that one of `issuers` signed it; anything else is `jpki.revocation_unavailable`."""
    if not isinstance(der, bytes) or not der or len(der) > MAX_CRL_BYTES:
        raise _unavailable("CRL is empty, not bytes or larger than the size bound")
    try:
        crl = x509.load_der_x509_crl(der)
        _ = crl.extensions  # parse now so broken extensions count as a broken CRL
    except ValueError as exc:
        raise _unavailable(f"CRL does not parse: {exc}") from exc
    if _crl_issuer(crl, issuers) is None:
        raise _unavailable("CRL is not signed by any configured issuer")
    return crl


class CrlChecker:
    """Checks certificates against CRLs verified once, at construction.

    A CRL that no configured issuer signed (or whose scope cannot be used) is set aside and counted in
    `rejected`; a certificate whose issuer then has no usable CRL fails closed when it is checked.
    """

    def __init__(self, crls: Iterable[x509.CertificateRevocationList], *, issuers: Iterable[x509.Certificate]) -> None:
        known = tuple(issuers)
        self.rejected = 0
        # CRL (by identity) -> serial -> revocation date; built on first use, since JPKI's lists run to
        # hundreds of thousands of entries and the library's own lookup walks them one by one.
        self._revoked: dict[int, dict[int, datetime]] = {}
        # issuer key id -> scope -> newest CRL for that scope
        self._crls: dict[bytes, dict[frozenset[x509.GeneralName] | None, x509.CertificateRevocationList]] = {}
        for crl in crls:
            issuer = _crl_issuer(crl, known)
            try:
                scope = _crl_scope(crl)
            except ValueError:
                issuer = None
            if issuer is None:
                self.rejected += 1
                continue
            by_scope = self._crls.setdefault(key_identifier(issuer), {})
            current = by_scope.get(scope)
            if current is None or _crl_order(crl) > _crl_order(current):
                by_scope[scope] = crl

    def check(self, certificate: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        require_aware(at)
        issuer_id = key_identifier(issuer)
        points = _certificate_distribution_points(certificate)
        covering = [
            crl
            for scope, crl in self._crls.get(issuer_id, {}).items()
            if (scope is None or scope & points) and crl.issuer == certificate.issuer
        ]
        if not covering:
            raise _unavailable(f"no CRL for issuer {issuer_id.hex()}")
        crl = max(covering, key=_crl_order)
        next_update = crl.next_update_utc
        if next_update is None or at > next_update:
            raise _unavailable(f"CRL for issuer {issuer_id.hex()} is stale (next update {next_update})")
        revoked_at = self._revoked_serials(crl).get(certificate.serial_number)
        if revoked_at is not None and revoked_at <= at:
            raise JpkiError(REVOKED, f"certificate {certificate.serial_number:x} revoked at {revoked_at} (CRL)")
        number = _crl_number(crl)
        return RevocationEvidence(
            source="crl",
            reference=f"crl:{issuer_id.hex()}:{'-' if number is None else number}:{crl.last_update_utc.isoformat()}",
        )

    def _revoked_serials(self, crl: x509.CertificateRevocationList) -> dict[int, datetime]:
        index = self._revoked.get(id(crl))
        if index is None:
            index = {entry.serial_number: entry.revocation_date_utc for entry in crl}
            self._revoked[id(crl)] = index
        return index


# --- OCSP ----------------------------------------------------------------------------------------------------------

OcspFetch = Callable[[str, bytes], bytes]
"""(url, DER request) -> DER response; raises OSError when the responder cannot be reached."""


def _check_http_url(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"OCSP responder URL must be http(s): {url!r}")


def http_fetch(url: str, request_der: bytes, *, timeout: float = 5.0) -> bytes:
    """POST an OCSP request (RFC 6960 appendix A); HTTP errors (non-2xx) and transport failures raise OSError."""
    _check_http_url(url)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url,
        data=request_der,
        method="POST",
        headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            body: bytes = response.read(MAX_OCSP_RESPONSE_BYTES + 1)
    except http.client.HTTPException as exc:  # e.g. IncompleteRead: a transport failure that is no OSError
        raise OSError(f"OCSP transport failed: {exc!r}") from exc
    if len(body) > MAX_OCSP_RESPONSE_BYTES:
        raise OSError("OCSP response exceeds the size bound")
    return body


def _public_key_bits(certificate: x509.Certificate) -> bytes | None:
    """The subjectPublicKey BIT STRING contents, as hashed into OCSP CertIDs and responder key hashes."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return None


def _is_for(single: ocsp.OCSPSingleResponse, certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    name = single.hash_algorithm.name
    key_bits = _public_key_bits(issuer)
    if name not in _CERT_ID_HASHES or key_bits is None or single.serial_number != certificate.serial_number:
        return False
    name_hash = hashlib.new(name, certificate.issuer.public_bytes()).digest()
    key_hash = hashlib.new(name, key_bits).digest()
    return single.issuer_name_hash == name_hash and single.issuer_key_hash == key_hash


def _names_responder(response: ocsp.OCSPResponse, candidate: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return response.responder_name == candidate.subject
    bits = _public_key_bits(candidate)
    return bits is not None and response.responder_key_hash == hashlib.sha1(bits).digest()  # noqa: S324 - RFC 6960 KeyHash


def _is_delegated_responder(candidate: x509.Certificate, issuer: x509.Certificate, at: datetime) -> bool:
    try:
        candidate.verify_directly_issued_by(issuer)
        usages = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return (
        ExtendedKeyUsageOID.OCSP_SIGNING in usages
        and candidate.not_valid_before_utc <= at <= candidate.not_valid_after_utc
    )


def _signature_verifies(response: ocsp.OCSPResponse, signer: x509.Certificate) -> bool:
    algorithm = response.signature_hash_algorithm
    if not isinstance(algorithm, _SIGNATURE_HASHES):
        return False
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _check_signer(response: ocsp.OCSPResponse, issuer: x509.Certificate, at: datetime) -> None:
    """The response must be signed by the issuer itself or by an OCSP-signing certificate the issuer issued."""
    for candidate in (issuer, *response.certificates):
        if not _names_responder(response, candidate):
            continue
        if candidate != issuer and not _is_delegated_responder(candidate, issuer, at):
            continue
        if _signature_verifies(response, candidate):
            return
    raise JpkiError(OCSP_UNSIGNED, "OCSP response is not signed by the issuer or a responder it authorised")


class OcspChecker:
    """Asks one designated OCSP responder (JPKI certificates carry no AIA) and judges the answer strictly."""

    def __init__(
        self,
        *,
        url: str,
        fetch: OcspFetch = http_fetch,
        max_age: timedelta = timedelta(minutes=15),
        skew: timedelta = timedelta(minutes=2),
        use_nonce: bool = True,
    ) -> None:
        _check_http_url(url)
        self.url = url
        self.fetch = fetch
        self.max_age = max_age
        self.skew = skew
        self.use_nonce = use_nonce

    def check(self, certificate: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        require_aware(at)
        builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256())
        nonce = secrets.token_bytes(OCSP_NONCE_BYTES) if self.use_nonce else None
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        request_der = builder.build().public_bytes(serialization.Encoding.DER)
        try:
            response_der = self.fetch(self.url, request_der)
        except OSError as exc:
            raise _unavailable(f"OCSP responder unreachable: {exc}") from exc
        if not isinstance(response_der, bytes) or len(response_der) > MAX_OCSP_RESPONSE_BYTES:
            raise _unavailable("OCSP response is not bytes or exceeds the size bound")
        try:
            response = ocsp.load_der_ocsp_response(response_der)
            status = response.response_status
        except ValueError as exc:
            raise _unavailable(f"OCSP response does not parse: {exc}") from exc
        if status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise _unavailable(f"OCSP responder answered {status.name}")
        try:
            _check_signer(response, issuer, at)
            extensions = response.extensions
            singles = [single for single in response.responses if _is_for(single, certificate, issuer)]
        except ValueError as exc:
            raise _unavailable(f"OCSP response is malformed: {exc}") from exc
        if nonce is not None:
            try:
                echoed: bytes | None = extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
            except x509.ExtensionNotFound:
                echoed = None
            if echoed != nonce:
                raise JpkiError(OCSP_NONCE, "OCSP response does not echo the request nonce")
        if len(singles) != 1:
            raise _unavailable("OCSP response has no single answer for this certificate")
        single = singles[0]
        self._check_fresh(single, at)
        if single.certificate_status is ocsp.OCSPCertStatus.REVOKED:
            raise JpkiError(
                REVOKED, f"certificate {certificate.serial_number:x} revoked at {single.revocation_time_utc} (OCSP)"
            )
        if single.certificate_status is not ocsp.OCSPCertStatus.GOOD:
            raise _unavailable("OCSP responder does not know the certificate")
        return RevocationEvidence(source="ocsp", reference=f"ocsp:{response.produced_at_utc.isoformat()}")

    def _check_fresh(self, single: ocsp.OCSPSingleResponse, at: datetime) -> None:
        this_update = single.this_update_utc
        next_update = single.next_update_utc
        if this_update > at + self.skew:
            raise JpkiError(OCSP_STALE, f"OCSP this_update {this_update} is in the future")
        if at - this_update > self.max_age:
            raise JpkiError(OCSP_STALE, f"OCSP this_update {this_update} is older than {self.max_age}")
        if next_update is not None and at > next_update + self.skew:
            raise JpkiError(OCSP_STALE, f"OCSP next_update {next_update} has passed")


# --- Combination ---------------------------------------------------------------------------------------------------


class CombinedChecker:
    """Every checker must pass (e.g. CRL always, OCSP additionally); the evidence joins theirs ("crl+ocsp")."""

    def __init__(self, *checkers: RevocationChecker) -> None:
        if not checkers:
            raise ValueError("CombinedChecker needs at least one checker")
        self.checkers = checkers

    def check(self, certificate: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        evidence = [checker.check(certificate, issuer, at=at) for checker in self.checkers]
        return RevocationEvidence(
            source="+".join(item.source for item in evidence),
            reference=" ".join(item.reference for item in evidence),
        )
