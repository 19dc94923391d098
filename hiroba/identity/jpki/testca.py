"""The card-less test rig: a test CA shaped like JPKI's, virtual cards, CRLs and an OCSP responder.

Everything here is marked as a test ("JPKI (Hiroba test)" in every CA name) so nobody mistakes it for the real
J-LIS hierarchy. It mimics the JPKI profile: self-signed RSA-2048 roots whose subject is identical across CA
generations, KeyUsage keyCertSign+cRLSign, SKI but no AKI, CRL distribution points as directory names; auth
leaves `C=JP, CN=<opaque>` without subjectAltName; signature leaves carrying the 基本4情報 in otherNames.
Keys are saved unencrypted: this CA must never sign anything real.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .facts import (
    ADDRESS_OID,
    ADDRESS_SUBSTITUTE_OID,
    BIRTH_DATE_OID,
    NAME_OID,
    NAME_SUBSTITUTE_OID,
    SEX_CODES,
    SEX_OID,
    BasicFacts,
)
from .revocation import require_aware
from .validate import CertificateKind, JpkiConfig
from .virtualcard import DEFAULT_ITERATIONS, PLASTIC_CARD_TOKEN, VirtualCard

# From the reference note (a jsrsasign OID table, unverified against J-LIS): kept configurable in JpkiConfig.
TEST_AUTH_POLICY_OID: Final = "1.2.392.200149.8.5.1.3.30"
TEST_SIGN_POLICY_OID: Final = "1.2.392.200149.8.5.1.1.20"

TEST_ORGANIZATION: Final = "JPKI (Hiroba test)"
INDEX_FORMAT: Final = "hiroba-jpki-test-ca/1"
INDEX_FILE: Final = "index.json"
CA_VALIDITY: Final = timedelta(days=3650)
_AGENCY: Final = "Japan Agency for Local Authority Information Systems"
_UNIT: Final = {
    CertificateKind.AUTH: "JPKI for user authentication",
    CertificateKind.SIGN: "JPKI for digital signature",
}
_UNIT_JA: Final = {
    CertificateKind.AUTH: "公的個人認証サービス利用者証明用",
    CertificateKind.SIGN: "公的個人認証サービス署名用",
}
_OPAQUE_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_OPAQUE_LENGTH: Final = 21
# Era codes of the birth date's first digit: the day each era began (明治 1 … 令和 5).
_ERAS: Final = ((date(2019, 5, 1), "5"), (date(1989, 1, 8), "4"), (date(1926, 12, 25), "3"), (date(1912, 7, 30), "2"))


def ca_subject(kind: CertificateKind) -> x509.Name:
    """`OU=<agency>, OU=JPKI for …, O=JPKI (Hiroba test), C=JP`: one subject for every generation of a kind."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEST_ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _UNIT[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _AGENCY),
        ]
    )


def _ca_alt_name(kind: CertificateKind) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "公的個人認証サービス（Hiroba テスト）"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _UNIT_JA[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "地方公共団体情報システム機構"),
        ]
    )


def _distribution_points(kind: CertificateKind, list_name: str) -> x509.CRLDistributionPoints:
    name = x509.Name([*ca_subject(kind), x509.NameAttribute(NameOID.COMMON_NAME, list_name)])
    return x509.CRLDistributionPoints([x509.DistributionPoint([x509.DirectoryName(name)], None, None, None)])


def _key_usage(*, digital_signature: bool = False, content_commitment: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _new_key(key_size: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _rsa_key_bits(certificate: x509.Certificate) -> bytes:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("test CA keys are RSA")
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def era_digit(day: date) -> str:
    for start, digit in _ERAS:
        if day >= start:
            return digit
    return "1"


def encode_birth_date(day: date) -> str:
    """JPKI's birth date: era digit + Gregorian YYYYMMDD, e.g. 1990-01-02 → "419900102"."""
    return f"{era_digit(day)}{day.year:04d}{day.month:02d}{day.day:02d}"


def der_utf8_string(text: str) -> bytes:
    content = text.encode("utf-8")
    size = len(content)
    if size < 0x80:  # noqa: PLR2004 - short-form length
        return bytes([0x0C, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(octets)]) + octets + content


def _facts_alt_name(facts: BasicFacts) -> x509.SubjectAlternativeName:
    if facts.sex not in SEX_CODES:
        raise ValueError(f"sex must be one of {sorted(SEX_CODES)}")
    values = [
        (NAME_OID, facts.name),
        (NAME_SUBSTITUTE_OID, facts.name_substitute),
        (SEX_OID, facts.sex),
        (BIRTH_DATE_OID, encode_birth_date(facts.birth_date)),
        (ADDRESS_OID, facts.address),
        (ADDRESS_SUBSTITUTE_OID, facts.address_substitute),
    ]
    return x509.SubjectAlternativeName(
        [x509.OtherName(x509.ObjectIdentifier(oid), der_utf8_string(text)) for oid, text in values if text is not None]
    )


@dataclass
class CaGeneration:
    kind: CertificateKind
    label: str  # e.g. the year the generation started: "2023"
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def _make_generation(kind: CertificateKind, *, not_before: datetime, key_size: int) -> CaGeneration:
    key = _new_key(key_size)
    subject = ca_subject(kind)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DirectoryName(_ca_alt_name(kind))]), critical=False)
        .add_extension(_distribution_points(kind, "ARL"), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CaGeneration(kind=kind, label=str(not_before.year), key=key, certificate=certificate)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


@dataclass
class TestCa:
    """Two generations per kind (older and newer, both valid, same subject DN), as JPKI runs them."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    generations: list[CaGeneration]
    _responders: dict[tuple[CertificateKind, str], tuple[rsa.RSAPrivateKey, x509.Certificate]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def anchors(self, kind: CertificateKind) -> tuple[x509.Certificate, ...]:
        return tuple(generation.certificate for generation in self.generations if generation.kind is kind)

    def config(self) -> JpkiConfig:
        return JpkiConfig(
            auth_anchors=self.anchors(CertificateKind.AUTH),
            sign_anchors=self.anchors(CertificateKind.SIGN),
            auth_policy_oids=frozenset({TEST_AUTH_POLICY_OID}),
            sign_policy_oids=frozenset({TEST_SIGN_POLICY_OID}),
        )

    def current(self, kind: CertificateKind) -> CaGeneration:
        """The newest generation of a kind (the one issuing new cards)."""
        candidates = [generation for generation in self.generations if generation.kind is kind]
        if not candidates:
            raise LookupError(f"no {kind.value} CA generation")
        return max(candidates, key=lambda generation: generation.certificate.not_valid_before_utc)

    def generation(self, kind: CertificateKind, label: str | None = None) -> CaGeneration:
        if label is None:
            return self.current(kind)
        for generation in self.generations:
            if generation.kind is kind and generation.label == label:
                return generation
        raise LookupError(f"no {kind.value} CA generation {label!r}")

    # --- persistence -----------------------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """PEM certificates, unencrypted PKCS#8 PEM keys (test CA only), anchor bundles and index.json."""
        directory.mkdir(parents=True, exist_ok=True)
        index: list[dict[str, str]] = []
        for generation in self.generations:
            stem = f"{generation.kind.value}-ca-{generation.label}"
            (directory / f"{stem}.pem").write_bytes(generation.certificate.public_bytes(serialization.Encoding.PEM))
            key_path = directory / f"{stem}.key"
            key_path.write_bytes(
                generation.key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            key_path.chmod(0o600)
            index.append(
                {
                    "kind": generation.kind.value,
                    "label": generation.label,
                    "certificate": f"{stem}.pem",
                    "key": f"{stem}.key",
                }
            )
        for kind in CertificateKind:
            bundle = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in self.anchors(kind))
            (directory / f"{kind.value}-anchors.pem").write_bytes(bundle)
        document = {"format": INDEX_FORMAT, "generations": index}
        (directory / INDEX_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> TestCa:
        document = json.loads((directory / INDEX_FILE).read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != INDEX_FORMAT:
            raise ValueError(f"{directory / INDEX_FILE} is not a {INDEX_FORMAT} index")
        generations: list[CaGeneration] = []
        for entry in document.get("generations", []):
            files = [entry["certificate"], entry["key"]]
            if any(not isinstance(name, str) or Path(name).name != name for name in files):
                raise ValueError("index entries must name files inside the directory")
            key = serialization.load_pem_private_key((directory / entry["key"]).read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise TypeError("test CA keys are RSA")
            certificate = x509.load_pem_x509_certificate((directory / entry["certificate"]).read_bytes())
            generations.append(
                CaGeneration(
                    kind=CertificateKind(entry["kind"]), label=str(entry["label"]), key=key, certificate=certificate
                )
            )
        return cls(generations=generations)

    # --- revocation --------------------------------------------------------------------------------------------------

    def issue_crl(
        self,
        kind: CertificateKind,
        *,
        generation: str | None = None,
        revoked: Iterable[int] = (),
        this_update: datetime,
        next_update: datetime,
        crl_number: int = 1,
        sign_key: rsa.RSAPrivateKey | None = None,
    ) -> bytes:
        """A DER CRL from one generation; `sign_key` forges one (right name and AKI, wrong signature)."""
        issuer = self.generation(kind, generation)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.certificate.subject)
            .last_update(this_update)
            .next_update(next_update)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
            .add_extension(x509.CRLNumber(crl_number), critical=False)
        )
        for serial in revoked:
            entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(this_update).build()
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(sign_key or issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def _generation_for(self, request: ocsp.OCSPRequest) -> CaGeneration | None:
        algorithm = request.hash_algorithm.name
        for generation in self.generations:
            name_hash = hashlib.new(algorithm, generation.certificate.subject.public_bytes()).digest()
            key_hash = hashlib.new(algorithm, _rsa_key_bits(generation.certificate)).digest()
            if request.issuer_name_hash == name_hash and request.issuer_key_hash == key_hash:
                return generation
        return None

    def _responder(self, generation: CaGeneration) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A delegated OCSP responder certificate (EKU OCSPSigning) issued by the generation; made once."""
        cache_key = (generation.kind, generation.label)
        if cache_key not in self._responders:
            key = _new_key(generation.key.key_size)
            certificate = (
                x509.CertificateBuilder()
                .subject_name(
                    x509.Name(
                        [
                            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                            x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEST_ORGANIZATION),
                            x509.NameAttribute(NameOID.COMMON_NAME, f"OCSP responder {generation.label}"),
                        ]
                    )
                )
                .issuer_name(generation.certificate.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(generation.certificate.not_valid_before_utc)
                .not_valid_after(generation.certificate.not_valid_after_utc)
                .add_extension(_key_usage(digital_signature=True), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
                .add_extension(x509.OCSPNoCheck(), critical=False)
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(generation.key.public_key()), critical=False
                )
                .sign(generation.key, hashes.SHA256())
            )
            self._responders[cache_key] = (key, certificate)
        return self._responders[cache_key]

    def ocsp_respond(
        self,
        request_der: bytes,
        *,
        revoked: Container[int] = (),
        unknown: Container[int] = (),
        at: datetime,
        next_update: timedelta = timedelta(hours=1),
        this_update: datetime | None = None,
        sign_key: rsa.RSAPrivateKey | None = None,
        delegated: bool = False,
    ) -> bytes:
        """Answer an OCSP request as the issuing generation would (nonce echoed).

        `sign_key` signs with another key while claiming to be the issuer (a forged answer); `this_update` lets a
        test produce a stale answer; `delegated` signs with a responder certificate issued by the generation.
        Serials in neither `revoked` nor `unknown` are good.
        """
        require_aware(at)
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            extensions = request.extensions
        except ValueError:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        generation = self._generation_for(request)
        if generation is None:
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        produced = this_update or at
        serial = request.serial_number
        status = (
            ocsp.OCSPCertStatus.REVOKED
            if serial in revoked
            else ocsp.OCSPCertStatus.UNKNOWN
            if serial in unknown
            else ocsp.OCSPCertStatus.GOOD
        )
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=serial,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=produced,
            next_update=produced + next_update,
            revocation_time=produced if status is ocsp.OCSPCertStatus.REVOKED else None,
            revocation_reason=None,
        )
        try:
            nonce = extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(nonce, critical=False)
        except x509.ExtensionNotFound:
            pass
        if sign_key is not None:
            impostor = (
                x509.CertificateBuilder()
                .subject_name(generation.certificate.subject)
                .issuer_name(generation.certificate.subject)
                .public_key(sign_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(at - timedelta(days=1))
                .not_valid_after(at + timedelta(days=1))
                .sign(sign_key, hashes.SHA256())
            )
            builder = builder.responder_id(ocsp.OCSPResponderEncoding.NAME, impostor).certificates([impostor])
            signer = sign_key
        elif delegated:
            signer, responder = self._responder(generation)
            builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder).certificates([responder])
        else:
            signer = generation.key
            builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, generation.certificate)
        return builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def make_test_ca(*, now: datetime, key_size: int = 2048) -> TestCa:
    """Two generations per kind: an older one (started ~3 years before `now`) and a newer one (~30 days before)."""
    require_aware(now)
    generations = [
        _make_generation(kind, not_before=now - age, key_size=key_size)
        for kind in CertificateKind
        for age in (timedelta(days=3 * 365), timedelta(days=30))
    ]
    return TestCa(generations=generations)


def _opaque_common_name() -> str:
    return "".join(secrets.choice(_OPAQUE_ALPHABET) for _ in range(_OPAQUE_LENGTH))


def issue_certificate(
    ca: TestCa,
    kind: CertificateKind,
    public_key: rsa.RSAPublicKey,
    *,
    now: datetime,
    generation: str | None = None,
    not_before: datetime | None = None,
    valid_for: timedelta = timedelta(days=5 * 365),
    facts: BasicFacts | None = None,
    key_usage: x509.KeyUsage | None = None,
    omit_key_usage: bool = False,
    policy_oids: Sequence[str] | None = None,
) -> x509.Certificate:
    """Issue one leaf for an existing public key (property tests reuse one key; tests bend the profile).

    A signature certificate needs `facts`; an authentication certificate must not have them (it has no SAN).
    `key_usage` / `omit_key_usage` / `policy_oids` override the JPKI-like defaults to build bad certificates.
    """
    require_aware(now)
    if (kind is CertificateKind.SIGN) != (facts is not None):
        raise ValueError("signature certificates carry the basic facts; authentication certificates do not")
    issuer = ca.generation(kind, generation)
    start = now if not_before is None else not_before
    if key_usage is None:
        key_usage = _key_usage(digital_signature=True, content_commitment=kind is CertificateKind.SIGN)
    if policy_oids is None:
        policy_oids = (TEST_AUTH_POLICY_OID if kind is CertificateKind.AUTH else TEST_SIGN_POLICY_OID,)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.COMMON_NAME, _opaque_common_name()),
                ]
            )
        )
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .add_extension(_distribution_points(kind, "CRL"), critical=False)
    )
    if not omit_key_usage:
        builder = builder.add_extension(key_usage, critical=True)
    if policy_oids:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in policy_oids]),
            critical=False,
        )
    if facts is not None:
        builder = builder.add_extension(_facts_alt_name(facts), critical=False)
    return builder.sign(issuer.key, hashes.SHA256())


def issue_virtual_card(
    ca: TestCa,
    *,
    name: str,
    birth_date: date,
    sex: str,
    address: str,
    now: datetime,
    generation: str | None = None,
    valid_for: timedelta = timedelta(days=5 * 365),
    not_before: datetime | None = None,
    token: str = PLASTIC_CARD_TOKEN,
    pin: str = "1234",
    sign_password: str = "ABC123",  # noqa: S107 - the virtual card's documented test password
    key_size: int = 2048,
    label: str | None = None,
    auth_key: rsa.RSAPrivateKey | None = None,
    sign_key: rsa.RSAPrivateKey | None = None,
    iterations: int = DEFAULT_ITERATIONS,
) -> VirtualCard:
    """A virtual card with an auth and a sign certificate from one generation (newest by default).

    `auth_key` / `sign_key` reuse existing keys (tests cache them: RSA-2048 generation is slow).
    The name and address substitutes (.2/.6) repeat the name and address.
    """
    auth_private = auth_key or _new_key(key_size)
    sign_private = sign_key or _new_key(key_size)
    facts = BasicFacts(
        name=name,
        name_substitute=name,
        sex=sex,
        birth_date=birth_date,
        address=address,
        address_substitute=address,
    )

    def leaf(kind: CertificateKind, key: rsa.RSAPrivateKey, card_facts: BasicFacts | None) -> x509.Certificate:
        return issue_certificate(
            ca,
            kind,
            key.public_key(),
            now=now,
            generation=generation,
            not_before=not_before,
            valid_for=valid_for,
            facts=card_facts,
        )

    return VirtualCard.create(
        token=token,
        label=label or f"Hiroba test card: {name}",
        auth_certificate=leaf(CertificateKind.AUTH, auth_private, None),
        auth_private_key=auth_private,
        sign_certificate=leaf(CertificateKind.SIGN, sign_private, facts),
        sign_private_key=sign_private,
        pin=pin,
        sign_password=sign_password,
        iterations=iterations,
    )
