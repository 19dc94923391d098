"""Certificate validation and signature checks against the real rig (no mocked verifier)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hiroba.identity.jpki import (
    MAX_CERTIFICATE_BYTES,
    TEST_AUTH_POLICY_OID,
    TEST_SIGN_POLICY_OID,
    BasicFacts,
    CertificateKind,
    JpkiConfig,
    JpkiError,
    ValidatedCertificate,
    issue_certificate,
    load_certificate,
    new_nonce,
    read_basic_facts,
    validate_certificate,
    verify_authentication,
    verify_signing,
)
from hiroba.identity.jpki.tests import (
    NOW,
    ORIGIN,
    PIN,
    SIGN_PASSWORD,
    card,
    crl_checker,
    foreign_rig,
    labels,
    leaf_key,
    rig,
)

AUTH = CertificateKind.AUTH
SIGN = CertificateKind.SIGN


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def validate(certificate_der: bytes, kind: CertificateKind = AUTH, *, at: datetime = NOW) -> ValidatedCertificate:
    return validate_certificate(certificate_der, kind=kind, config=rig().config(), at=at, revocation=crl_checker())


def refused(code: str) -> pytest.RaisesExc[JpkiError]:
    return pytest.raises(JpkiError, match=f"^{code}: ")


def auth_leaf(
    *,
    not_before: datetime | None = None,
    valid_for: timedelta = timedelta(days=365),
    omit_key_usage: bool = False,
    policy_oids: Sequence[str] | None = None,
) -> bytes:
    """An authentication certificate from the newest generation, with one aspect bent."""
    return der(
        issue_certificate(
            rig(),
            AUTH,
            leaf_key(4).public_key(),
            now=NOW - timedelta(days=1),
            not_before=not_before,
            valid_for=valid_for,
            omit_key_usage=omit_key_usage,
            policy_oids=policy_oids,
        )
    )


@pytest.mark.parametrize("which", ["old", "new"])
def test_card_authenticates_under_either_generation(which: str) -> None:
    virtual = card(which)
    nonce = new_nonce()
    certificate_der, signature = virtual.authenticate(pin=PIN, origin=ORIGIN, nonce=nonce)

    result = verify_authentication(
        certificate_der=certificate_der,
        signature=signature,
        origin=ORIGIN,
        nonce=nonce,
        config=rig().config(),
        at=NOW,
        revocation=crl_checker(),
    )

    older, newer = labels()
    expected = rig().generation(AUTH, newer if which == "new" else older)
    assert result.issuer == expected.certificate
    assert result.kind is AUTH
    assert result.serial == virtual.auth_certificate.serial_number
    assert result.not_after == virtual.auth_certificate.not_valid_after_utc
    assert result.not_after.tzinfo is not None
    assert (
        result.issuer_key_id
        == expected.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    assert result.revocation.source == "crl"
    assert result.revocation.reference.startswith(f"crl:{result.issuer_key_id.hex()}:1:")


def test_both_generations_share_one_subject_and_are_told_apart_by_key_id() -> None:
    old_anchor, new_anchor = (rig().generation(AUTH, label).certificate for label in labels())
    assert old_anchor.subject == new_anchor.subject
    assert card("old").auth_certificate.issuer == card("new").auth_certificate.issuer
    assert validate(card("old").auth_certificate_der).issuer == old_anchor


def test_signature_certificate_signs_arbitrary_data() -> None:
    data = "申請書 第1号".encode()
    signature = card().sign_sign(SIGN_PASSWORD, data)
    result = verify_signing(
        certificate_der=card().sign_certificate_der,
        signature=signature,
        data=data,
        config=rig().config(),
        at=NOW,
        revocation=crl_checker(),
    )
    assert result.kind is SIGN
    assert result.issuer == rig().current(SIGN).certificate
    with refused("jpki.bad_signature"):
        verify_signing(
            certificate_der=card().sign_certificate_der,
            signature=signature,
            data=data + b".",
            config=rig().config(),
            at=NOW,
            revocation=crl_checker(),
        )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda _: b"",
        lambda _: b"not a certificate",
        lambda good: good + b"\x00",
        lambda good: good[:-1],
        lambda _: b"\x30\x82" + bytes(MAX_CERTIFICATE_BYTES),
    ],
    ids=["empty", "garbage", "trailing-byte", "truncated", "oversized"],
)
def test_malformed_certificate(mangle: Callable[[bytes], bytes]) -> None:
    bad = mangle(card().auth_certificate_der)
    with refused("jpki.malformed_certificate"):
        load_certificate(bad)
    with refused("jpki.malformed_certificate"):
        validate(bad)


def test_certificate_from_an_unknown_ca() -> None:
    stranger = issue_certificate(foreign_rig(), AUTH, leaf_key(4).public_key(), now=NOW - timedelta(days=1))
    assert stranger.issuer == card().auth_certificate.issuer  # same DN: only the key identifier tells them apart
    with refused("jpki.unknown_issuer"):
        validate(der(stranger))


def test_signature_certificate_where_authentication_is_required() -> None:
    with refused("jpki.wrong_certificate_type"):
        validate(card().sign_certificate_der, AUTH)
    signature = card().sign_sign(SIGN_PASSWORD, b"x")
    with refused("jpki.wrong_certificate_type"):
        verify_authentication(
            certificate_der=card().sign_certificate_der,
            signature=signature,
            origin=ORIGIN,
            nonce=new_nonce(),
            config=rig().config(),
            at=NOW,
            revocation=crl_checker(),
        )


def test_authentication_certificate_where_a_signature_is_required() -> None:
    with refused("jpki.wrong_certificate_type"):
        validate(card().auth_certificate_der, SIGN)


def test_other_kinds_policy_under_the_right_ca_is_the_wrong_type() -> None:
    with refused("jpki.wrong_certificate_type"):
        validate(auth_leaf(policy_oids=(TEST_SIGN_POLICY_OID,)))


def test_expired() -> None:
    leaf = auth_leaf(not_before=NOW - timedelta(days=10), valid_for=timedelta(days=1))
    with refused("jpki.expired"):
        validate(leaf)


def test_not_yet_valid() -> None:
    with refused("jpki.not_yet_valid"):
        validate(auth_leaf(not_before=NOW + timedelta(days=1)))


def test_valid_at_its_first_and_last_second() -> None:
    leaf = load_certificate(auth_leaf(not_before=NOW - timedelta(days=2), valid_for=timedelta(days=1)))
    validate(der(leaf), at=leaf.not_valid_before_utc)
    validate(der(leaf), at=leaf.not_valid_after_utc)
    with refused("jpki.expired"):
        validate(der(leaf), at=leaf.not_valid_after_utc + timedelta(seconds=1))


def test_key_usage_missing() -> None:
    with refused("jpki.key_usage"):
        validate(auth_leaf(omit_key_usage=True))


def test_signature_certificate_needs_content_commitment() -> None:
    only_digital_signature = digital_signature_only()
    leaf = issue_certificate(
        rig(),
        SIGN,
        leaf_key(5).public_key(),
        now=NOW - timedelta(days=1),
        facts=read_facts_of_card(),
        key_usage=only_digital_signature,
    )
    with refused("jpki.key_usage"):
        validate(der(leaf), SIGN)


def digital_signature_only() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def read_facts_of_card() -> BasicFacts:
    return read_basic_facts(card().sign_certificate)


@pytest.mark.parametrize("policies", [("1.2.392.200149.8.5.1.9.99",), ()], ids=["foreign-oid", "none"])
def test_policy_oid_not_allowed(policies: tuple[str, ...]) -> None:
    with refused("jpki.policy"):
        validate(auth_leaf(policy_oids=policies))


def test_policy_oids_are_configurable() -> None:
    leaf = auth_leaf(policy_oids=("1.2.392.200149.8.5.1.9.99",))
    config = rig().config()
    widened = JpkiConfig(
        auth_anchors=config.auth_anchors,
        sign_anchors=config.sign_anchors,
        auth_policy_oids=frozenset({TEST_AUTH_POLICY_OID, "1.2.392.200149.8.5.1.9.99"}),
        sign_policy_oids=config.sign_policy_oids,
    )
    result = validate_certificate(leaf, kind=AUTH, config=widened, at=NOW, revocation=crl_checker())
    assert result.kind is AUTH


def test_small_rsa_key_is_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point of the test
    leaf = issue_certificate(rig(), AUTH, small.public_key(), now=NOW - timedelta(days=1))
    with refused("jpki.chain"):
        validate(der(leaf))


def test_forged_leaf_naming_a_real_ca_fails_path_validation() -> None:
    # Right issuer name and key identifier, but signed by a stranger's key.
    real = rig().current(AUTH)
    forger = foreign_rig().current(AUTH)
    forged = (
        x509.CertificateBuilder()
        .subject_name(card().auth_certificate.subject)
        .issuer_name(real.certificate.subject)
        .public_key(leaf_key(4).public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(real.key.public_key()), critical=False)
        .add_extension(digital_signature_only(), critical=True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(TEST_AUTH_POLICY_OID), None)]),
            critical=False,
        )
        .sign(forger.key, hashes.SHA256())
    )
    with refused("jpki.chain"):
        validate(der(forged))


def test_expired_anchor_fails_path_validation() -> None:
    # A leaf outliving its CA generation (JPKI caps leaves at the CA's end; the path check must not rely on it).
    older, _ = labels()
    anchor = rig().generation(AUTH, older).certificate
    leaf = issue_certificate(
        rig(), AUTH, leaf_key(4).public_key(), now=NOW, generation=older, valid_for=timedelta(days=3650)
    )
    validate(der(leaf))
    with refused("jpki.chain"):
        validate(der(leaf), at=anchor.not_valid_after_utc + timedelta(days=1))


def test_revoked_card_is_refused() -> None:
    virtual = card()
    nonce = new_nonce()
    certificate_der, signature = virtual.authenticate(pin=PIN, origin=ORIGIN, nonce=nonce)
    with refused("jpki.revoked"):
        verify_authentication(
            certificate_der=certificate_der,
            signature=signature,
            origin=ORIGIN,
            nonce=nonce,
            config=rig().config(),
            at=NOW,
            revocation=crl_checker(revoked=(virtual.auth_certificate.serial_number,)),
        )


def authenticate(*, signature: bytes, origin: str = ORIGIN, nonce: str) -> ValidatedCertificate:
    return verify_authentication(
        certificate_der=card().auth_certificate_der,
        signature=signature,
        origin=origin,
        nonce=nonce,
        config=rig().config(),
        at=NOW,
        revocation=crl_checker(),
    )


def test_signature_over_another_origin() -> None:
    nonce = new_nonce()
    _, signature = card().authenticate(pin=PIN, origin="https://evil.example", nonce=nonce)
    with refused("jpki.bad_signature"):
        authenticate(signature=signature, nonce=nonce)


def test_signature_over_another_nonce() -> None:
    _, signature = card().authenticate(pin=PIN, origin=ORIGIN, nonce=new_nonce())
    with refused("jpki.bad_signature"):
        authenticate(signature=signature, nonce=new_nonce())


def test_tampered_signature() -> None:
    nonce = new_nonce()
    _, signature = card().authenticate(pin=PIN, origin=ORIGIN, nonce=nonce)
    tampered = bytes([signature[0] ^ 0x01]) + signature[1:]
    with refused("jpki.bad_signature"):
        authenticate(signature=tampered, nonce=nonce)
    authenticate(signature=signature, nonce=nonce)  # the untouched one still passes


@pytest.mark.parametrize(
    "mangle",
    [lambda _: b"", lambda s: s[:-1], lambda s: s + b"\x00", lambda s: s.hex()],
    ids=["empty", "short", "long", "not-bytes"],
)
def test_malformed_signature(mangle: Callable[[bytes], bytes]) -> None:
    nonce = new_nonce()
    _, signature = card().authenticate(pin=PIN, origin=ORIGIN, nonce=nonce)
    with refused("jpki.malformed_signature"):
        authenticate(signature=mangle(signature), nonce=nonce)


def test_signature_by_another_card() -> None:
    nonce = new_nonce()
    _, signature = card("old").authenticate(pin=PIN, origin=ORIGIN, nonce=nonce)
    with refused("jpki.bad_signature"):
        authenticate(signature=signature, nonce=nonce)


def test_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        validate(card().auth_certificate_der, at=NOW.replace(tzinfo=None))


def test_config_from_pem_files(tmp_path: Path) -> None:
    rig().save(tmp_path)
    config = JpkiConfig.from_pem_files(
        auth_anchor_files=[tmp_path / "auth-anchors.pem"],
        sign_anchor_files=[str(tmp_path / "sign-anchors.pem")],
        auth_policy_oids=[TEST_AUTH_POLICY_OID],
        sign_policy_oids=[TEST_SIGN_POLICY_OID],
    )
    assert config == rig().config()
    assert len(config.auth_anchors) == 2


def test_at_may_be_in_any_timezone() -> None:
    jst = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    assert validate(card().auth_certificate_der, at=jst).kind is AUTH
