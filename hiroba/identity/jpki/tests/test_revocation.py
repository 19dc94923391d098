"""CRL and OCSP checking against the rig's CRLs and OCSP responder."""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from hiroba.identity.jpki import (
    CertificateKind,
    CombinedChecker,
    CrlChecker,
    JpkiError,
    OcspChecker,
    RevocationEvidence,
    http_fetch,
    load_crl,
)
from hiroba.identity.jpki.tests import NOW, card, crl_checker, crls, foreign_rig, labels, leaf_key, rig

AUTH = CertificateKind.AUTH
URL = "http://ocsp.hiroba.test/jpki"


def refused(code: str) -> pytest.RaisesExc[JpkiError]:
    return pytest.raises(JpkiError, match=f"^{code}: ")


def leaf() -> x509.Certificate:
    return card().auth_certificate


def issuer() -> x509.Certificate:
    return rig().current(AUTH).certificate


def all_issuers() -> list[x509.Certificate]:
    return [generation.certificate for generation in rig().generations]


def crl_from(
    *,
    revoked: Sequence[int] = (),
    this_update: datetime = NOW - timedelta(hours=1),
    next_update: datetime = NOW + timedelta(hours=23),
    crl_number: int = 1,
) -> x509.CertificateRevocationList:
    """A CRL from the newest auth generation."""
    der = rig().issue_crl(
        AUTH, revoked=revoked, this_update=this_update, next_update=next_update, crl_number=crl_number
    )
    return x509.load_der_x509_crl(der)


# --- CRL -------------------------------------------------------------------------------------------------------------


def test_crl_good_gives_evidence() -> None:
    evidence = crl_checker().check(leaf(), issuer(), at=NOW)
    ski = issuer().extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert evidence == RevocationEvidence(
        source="crl", reference=f"crl:{ski.hex()}:1:{(NOW - timedelta(hours=1)).isoformat()}"
    )


def test_crl_revoked() -> None:
    checker = crl_checker(revoked=(leaf().serial_number,))
    with refused("jpki.revoked"):
        checker.check(leaf(), issuer(), at=NOW)
    # The other card is on no list.
    checker.check(card("old").auth_certificate, rig().generation(AUTH, labels()[0]).certificate, at=NOW)


def test_crl_revocation_after_the_instant_checked_does_not_count() -> None:
    checker = CrlChecker([crl_from(revoked=[leaf().serial_number])], issuers=all_issuers())
    checker.check(leaf(), issuer(), at=NOW - timedelta(hours=2))
    with refused("jpki.revoked"):
        checker.check(leaf(), issuer(), at=NOW)


def test_crl_missing_for_the_issuer() -> None:
    older, _ = labels()
    only_older = CrlChecker(
        [
            x509.load_der_x509_crl(
                rig().issue_crl(AUTH, generation=older, this_update=NOW, next_update=NOW + timedelta(1))
            )
        ],
        issuers=all_issuers(),
    )
    with refused("jpki.revocation_unavailable"):
        only_older.check(leaf(), issuer(), at=NOW)
    with refused("jpki.revocation_unavailable"):
        CrlChecker([], issuers=all_issuers()).check(leaf(), issuer(), at=NOW)


def test_crl_stale() -> None:
    checker = CrlChecker(
        [crl_from(this_update=NOW - timedelta(days=2), next_update=NOW - timedelta(seconds=1))], issuers=all_issuers()
    )
    with refused("jpki.revocation_unavailable"):
        checker.check(leaf(), issuer(), at=NOW)


def test_crl_signed_by_the_wrong_key() -> None:
    forged = rig().issue_crl(AUTH, this_update=NOW, next_update=NOW + timedelta(days=1), sign_key=leaf_key(9))
    with refused("jpki.revocation_unavailable"):
        load_crl(forged, issuers=all_issuers())
    checker = CrlChecker([x509.load_der_x509_crl(forged)], issuers=all_issuers())
    assert checker.rejected == 1
    with refused("jpki.revocation_unavailable"):
        checker.check(leaf(), issuer(), at=NOW)


def test_crl_from_a_stranger_with_the_same_issuer_name() -> None:
    stranger = foreign_rig().issue_crl(AUTH, this_update=NOW, next_update=NOW + timedelta(days=1))
    assert x509.load_der_x509_crl(stranger).issuer == issuer().subject
    with refused("jpki.revocation_unavailable"):
        load_crl(stranger, issuers=all_issuers())


@pytest.mark.parametrize("der", [b"", b"garbage", b"\x30\x03\x02\x01\x01"], ids=["empty", "garbage", "not-a-crl"])
def test_crl_that_does_not_parse(der: bytes) -> None:
    with refused("jpki.revocation_unavailable"):
        load_crl(der, issuers=all_issuers())


def test_load_crl_accepts_every_generation() -> None:
    for der in crls():
        assert isinstance(load_crl(der, issuers=all_issuers()), x509.CertificateRevocationList)


def test_newest_crl_wins() -> None:
    old_list = crl_from(crl_number=1, this_update=NOW - timedelta(days=1))
    new_list = crl_from(crl_number=2, revoked=[leaf().serial_number], this_update=NOW - timedelta(hours=1))
    with refused("jpki.revoked"):
        CrlChecker([new_list, old_list], issuers=all_issuers()).check(leaf(), issuer(), at=NOW)
    with refused("jpki.revoked"):
        CrlChecker([old_list, new_list], issuers=all_issuers()).check(leaf(), issuer(), at=NOW)


# --- OCSP ------------------------------------------------------------------------------------------------------------


def responder(
    *,
    revoked: Container[int] = (),
    unknown: Container[int] = (),
    this_update: datetime | None = None,
    next_update: timedelta = timedelta(hours=1),
    sign_key: rsa.RSAPrivateKey | None = None,
    delegated: bool = False,
) -> Callable[[str, bytes], bytes]:
    """The rig's OCSP responder as an OcspFetch, answering at NOW."""

    def fetch(url: str, request_der: bytes) -> bytes:
        assert url == URL
        return rig().ocsp_respond(
            request_der,
            at=NOW,
            revoked=revoked,
            unknown=unknown,
            this_update=this_update,
            next_update=next_update,
            sign_key=sign_key,
            delegated=delegated,
        )

    return fetch


def ocsp_check(
    fetch: Callable[[str, bytes], bytes], *, use_nonce: bool = True, at: datetime = NOW
) -> RevocationEvidence:
    return OcspChecker(url=URL, fetch=fetch, use_nonce=use_nonce).check(leaf(), issuer(), at=at)


def test_ocsp_good() -> None:
    evidence = ocsp_check(responder())
    assert evidence.source == "ocsp"
    assert evidence.reference.startswith("ocsp:")


def test_ocsp_good_from_a_delegated_responder() -> None:
    assert ocsp_check(responder(delegated=True)).source == "ocsp"


def test_ocsp_revoked() -> None:
    with refused("jpki.revoked"):
        ocsp_check(responder(revoked={leaf().serial_number}))


def test_ocsp_unknown() -> None:
    with refused("jpki.revocation_unavailable"):
        ocsp_check(responder(unknown={leaf().serial_number}))


@pytest.mark.parametrize(
    ("this_update", "next_update"),
    [
        (NOW - timedelta(hours=1), timedelta(hours=2)),  # older than the 15 minute maximum age
        (NOW + timedelta(minutes=10), timedelta(hours=1)),  # from the future, beyond the skew
        (NOW - timedelta(minutes=10), timedelta(minutes=5)),  # next_update has passed
    ],
    ids=["old", "future", "next-update-passed"],
)
def test_ocsp_stale(this_update: datetime, next_update: timedelta) -> None:
    with refused("jpki.ocsp_stale"):
        ocsp_check(responder(this_update=this_update, next_update=next_update))


def test_ocsp_within_skew_is_fresh() -> None:
    ocsp_check(responder(this_update=NOW + timedelta(minutes=1)))
    ocsp_check(responder(this_update=NOW - timedelta(minutes=14)))


def test_ocsp_signed_by_a_random_key() -> None:
    with refused("jpki.ocsp_unsigned"):
        ocsp_check(responder(sign_key=leaf_key(9)))


def test_ocsp_signed_by_another_generation_of_the_same_ca() -> None:
    older = rig().generation(AUTH, labels()[0])

    def fetch(url: str, request_der: bytes) -> bytes:
        return rig().ocsp_respond(request_der, at=NOW, sign_key=older.key)

    with refused("jpki.ocsp_unsigned"):
        ocsp_check(fetch)


def test_ocsp_responder_certificate_from_a_stranger() -> None:
    # A delegated responder certificate issued by the stranger CA (same names) must not be accepted.
    def fetch(url: str, request_der: bytes) -> bytes:
        genuine = ocsp.load_der_ocsp_response(rig().ocsp_respond(request_der, at=NOW))
        stranger_request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(leaf(), foreign_rig().current(AUTH).certificate, hashes.SHA256())
            .add_extension(genuine.extensions.get_extension_for_class(x509.OCSPNonce).value, critical=False)
            .build()
        )
        return foreign_rig().ocsp_respond(
            stranger_request.public_bytes(serialization.Encoding.DER), at=NOW, delegated=True
        )

    with refused("jpki.ocsp_unsigned"):
        ocsp_check(fetch)


def other_request(request_der: bytes, *, nonce: bytes | None, certificate: x509.Certificate | None = None) -> bytes:
    original = ocsp.load_der_ocsp_request(request_der)
    builder = ocsp.OCSPRequestBuilder()
    if certificate is None:
        builder = builder.add_certificate_by_hash(
            original.issuer_name_hash, original.issuer_key_hash, original.serial_number, original.hash_algorithm
        )
    else:
        builder = builder.add_certificate(certificate, issuer(), hashes.SHA256())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_ocsp_nonce_mismatch() -> None:
    def fetch(url: str, request_der: bytes) -> bytes:
        return rig().ocsp_respond(other_request(request_der, nonce=b"\x01" * 32), at=NOW)

    with refused("jpki.ocsp_nonce"):
        ocsp_check(fetch)


def test_ocsp_nonce_missing() -> None:
    def fetch(url: str, request_der: bytes) -> bytes:
        return rig().ocsp_respond(other_request(request_der, nonce=None), at=NOW)

    with refused("jpki.ocsp_nonce"):
        ocsp_check(fetch)
    assert ocsp_check(fetch, use_nonce=False).source == "ocsp"


def test_ocsp_answer_about_another_certificate() -> None:
    def fetch(url: str, request_der: bytes) -> bytes:
        nonce = ocsp.load_der_ocsp_request(request_der).extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        return rig().ocsp_respond(other_request(request_der, nonce=nonce, certificate=card().sign_certificate), at=NOW)

    with refused("jpki.revocation_unavailable"):
        ocsp_check(fetch)


def test_ocsp_fetch_raising_oserror() -> None:
    def fetch(url: str, request_der: bytes) -> bytes:
        raise ConnectionRefusedError("responder down")

    with refused("jpki.revocation_unavailable"):
        ocsp_check(fetch)


@pytest.mark.parametrize(
    "answer",
    [
        b"",
        b"<html>busy</html>",
        ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER).public_bytes(
            serialization.Encoding.DER
        ),
        ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR).public_bytes(
            serialization.Encoding.DER
        ),
    ],
    ids=["empty", "html", "try-later", "internal-error"],
)
def test_ocsp_unusable_answer(answer: bytes) -> None:
    with refused("jpki.revocation_unavailable"):
        ocsp_check(lambda _url, _request: answer)


def test_ocsp_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        OcspChecker(url="file:///etc/passwd")
    with pytest.raises(ValueError, match="http"):
        http_fetch("ftp://example.test/", b"")


@contextmanager
def local_responder(status: int = 200) -> Iterator[str]:
    """A real HTTP OCSP responder on 127.0.0.1 backed by the rig."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert self.headers["Content-Type"] == "application/ocsp-request"
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = rig().ocsp_respond(body, at=NOW)
            self.send_response(status)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002, ARG002 - the base class's signature
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ocsp"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_fetch_against_a_local_responder() -> None:
    with local_responder() as url:
        evidence = OcspChecker(url=url).check(leaf(), issuer(), at=NOW)
    assert evidence.source == "ocsp"


def test_http_error_status_is_unavailable() -> None:
    with local_responder(status=503) as url, refused("jpki.revocation_unavailable"):
        OcspChecker(url=url).check(leaf(), issuer(), at=NOW)


def test_unreachable_responder_is_unavailable() -> None:
    with local_responder() as url:
        pass  # closed again: nothing listens on that port any more
    with refused("jpki.revocation_unavailable"):
        OcspChecker(url=url, fetch=lambda u, r: http_fetch(u, r, timeout=2.0)).check(leaf(), issuer(), at=NOW)


# --- Combination -----------------------------------------------------------------------------------------------------


def test_combined_crl_and_ocsp() -> None:
    combined = CombinedChecker(crl_checker(), OcspChecker(url=URL, fetch=responder()))
    evidence = combined.check(leaf(), issuer(), at=NOW)
    assert evidence.source == "crl+ocsp"
    assert evidence.reference.startswith("crl:")
    assert " ocsp:" in evidence.reference


def test_combined_needs_both() -> None:
    revoked_by_ocsp = CombinedChecker(
        crl_checker(), OcspChecker(url=URL, fetch=responder(revoked={leaf().serial_number}))
    )
    with refused("jpki.revoked"):
        revoked_by_ocsp.check(leaf(), issuer(), at=NOW)
    revoked_by_crl = CombinedChecker(
        crl_checker(revoked=(leaf().serial_number,)), OcspChecker(url=URL, fetch=responder())
    )
    with refused("jpki.revoked"):
        revoked_by_crl.check(leaf(), issuer(), at=NOW)
    with pytest.raises(ValueError, match="at least one"):
        CombinedChecker()


def client_auth_certificate() -> x509.Certificate:
    """Issued by the right CA for the responder key leaf_key(8), with an EKU that is not OCSPSigning."""
    ca = rig().current(AUTH)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "not a responder")]))
        .issuer_name(ca.certificate.subject)
        .public_key(leaf_key(8).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )


@pytest.mark.parametrize("signer", ["card", "client-auth"])
def test_ocsp_signed_by_a_certificate_without_ocsp_signing(signer: str) -> None:
    # Issued by the right CA, but not for OCSP: a cardholder (or any other leaf) must not vouch for certificates.
    certificate, key = (
        (card().auth_certificate, leaf_key(0)) if signer == "card" else (client_auth_certificate(), leaf_key(8))
    )

    def fetch(url: str, request_der: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(request_der)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                request.issuer_name_hash,
                request.issuer_key_hash,
                request.serial_number,
                request.hash_algorithm,
                ocsp.OCSPCertStatus.GOOD,
                NOW,
                NOW + timedelta(hours=1),
                None,
                None,
            )
            .add_extension(request.extensions.get_extension_for_class(x509.OCSPNonce).value, critical=False)
            .responder_id(ocsp.OCSPResponderEncoding.HASH, certificate)
            .certificates([certificate])
        )
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    with refused("jpki.ocsp_unsigned"):
        ocsp_check(fetch)
