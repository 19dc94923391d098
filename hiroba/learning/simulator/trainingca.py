"""The simulator's training CA: one root per kind of certificate, JPKI's leaf profile (through the jpki package's
own issuer), named so nobody can take it for J-LIS or for the test rig ("JPKI (Hiroba training)").

It is trusted by the simulator's own verification, for the sandbox town, and by nothing else: it is never in
`JPKI_AUTH_ANCHORS` / `JPKI_SIGN_ANCHORS` nor in the test rig's directory. Free of Django.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from hiroba.identity import jpki
from hiroba.identity.jpki.virtualcard import MIN_ITERATIONS

TRAINING_ORGANIZATION: Final = "JPKI (Hiroba training)"
CA_VALIDITY: Final = timedelta(days=3650)
CRL_LIFETIME: Final = timedelta(days=1)
_UNIT: Final = {
    jpki.CertificateKind.AUTH: "Training CA for user authentication",
    jpki.CertificateKind.SIGN: "Training CA for digital signature",
}


def _root(kind: jpki.CertificateKind, *, now: datetime) -> jpki.CaGeneration:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, TRAINING_ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _UNIT[kind]),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    start = now - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return jpki.CaGeneration(kind=kind, label=str(start.year), key=key, certificate=certificate)


def training_ca_make(*, now: datetime) -> dict[str, dict[str, str]]:
    """A new training CA, as PEM text to keep: {"auth": {"certificate", "key"}, "sign": {...}}."""
    stored: dict[str, dict[str, str]] = {}
    for kind in jpki.CertificateKind:
        generation = _root(kind, now=now)
        stored[kind.value] = {
            "certificate": generation.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "key": generation.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii"),
        }
    return stored


def training_ca_load(stored: dict[str, dict[str, str]]) -> jpki.TestCa:
    generations: list[jpki.CaGeneration] = []
    for kind in jpki.CertificateKind:
        entry = stored[kind.value]
        key = serialization.load_pem_private_key(entry["key"].encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("training CA keys are RSA")
        certificate = x509.load_pem_x509_certificate(entry["certificate"].encode("ascii"))
        generations.append(
            jpki.CaGeneration(
                kind=kind, label=str(certificate.not_valid_before_utc.year), key=key, certificate=certificate
            )
        )
    return jpki.TestCa(generations=generations)


def training_config(ca: jpki.TestCa) -> jpki.JpkiConfig:
    """The trust anchors of the simulator's verification: the training CA only."""
    return ca.config()


def training_revocation(ca: jpki.TestCa, *, now: datetime) -> jpki.CrlChecker:
    """A fresh, empty CRL from each training root, checked by the same CRL checker as real sign-ins."""
    crls = [
        x509.load_der_x509_crl(
            ca.issue_crl(
                generation.kind,
                this_update=now - timedelta(minutes=1),
                next_update=now + CRL_LIFETIME,
                crl_number=int(now.timestamp()),
            )
        )
        for generation in ca.generations
    ]
    return jpki.CrlChecker(crls, issuers=ca.anchors(jpki.CertificateKind.AUTH) + ca.anchors(jpki.CertificateKind.SIGN))


def training_card_issue(
    ca: jpki.TestCa, *, name: str, birth_date: date, address: str, now: datetime, pin: str, password: str
) -> jpki.VirtualCard:
    """A virtual card from the training CA (RSA-2048 keys; the key wrapping uses the lowest iteration count the
    card format allows, since the secrets are published anyway)."""
    return jpki.issue_virtual_card(
        ca,
        name=name,
        birth_date=birth_date,
        sex="2",
        address=address,
        now=now,
        pin=pin,
        sign_password=password,
        label=f"Hiroba training card: {name}",
        iterations=MIN_ITERATIONS,
    )
