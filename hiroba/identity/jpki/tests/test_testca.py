"""The test CA: its JPKI-like profile, persistence, and the OCSP responder's edge answers."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from hiroba.identity.jpki import (
    CertificateKind,
    TestCa,
    issue_certificate,
    issue_virtual_card,
    validate_certificate,
)
from hiroba.identity.jpki.tests import NOW, card, crl_checker, foreign_rig, labels, leaf_key, rig


def test_ca_profile_mimics_jpki() -> None:
    assert len(rig().generations) == 4
    for kind in CertificateKind:
        older, newer = (rig().generation(kind, label).certificate for label in labels(kind))
        assert older.subject == newer.subject
        assert older.not_valid_before_utc < newer.not_valid_before_utc
        for anchor in (older, newer):
            assert anchor.issuer == anchor.subject
            assert "Hiroba test" in anchor.subject.rfc4514_string()
            assert anchor.subject.rfc4514_string().startswith(
                "OU=Japan Agency for Local Authority Information Systems,"
            )
            assert anchor.not_valid_before_utc <= NOW <= anchor.not_valid_after_utc
            extensions = anchor.extensions
            usage = extensions.get_extension_for_class(x509.KeyUsage)
            assert usage.critical
            assert usage.value.key_cert_sign
            assert usage.value.crl_sign
            assert not usage.value.digital_signature
            constraints = extensions.get_extension_for_class(x509.BasicConstraints)
            assert constraints.critical
            assert constraints.value.ca
            extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            with pytest.raises(x509.ExtensionNotFound):
                extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
            points = extensions.get_extension_for_class(x509.CRLDistributionPoints).value
            assert all(isinstance(name, x509.DirectoryName) for point in points for name in point.full_name or ())
            assert anchor.public_key().key_size == 2048  # type: ignore[union-attr]
    assert "user authentication" in rig().current(CertificateKind.AUTH).certificate.subject.rfc4514_string()
    assert "digital signature" in rig().current(CertificateKind.SIGN).certificate.subject.rfc4514_string()


def test_leaf_profiles() -> None:
    auth, sign = card().auth_certificate, card().sign_certificate
    assert [attribute.oid for attribute in auth.subject] == [x509.NameOID.COUNTRY_NAME, x509.NameOID.COMMON_NAME]
    with pytest.raises(x509.ExtensionNotFound):
        auth.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert auth.extensions.get_extension_for_class(x509.KeyUsage).critical
    assert sign.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    assert auth.subject != sign.subject
    for leaf in (auth, sign):
        issuer = rig().current(CertificateKind.AUTH if leaf is auth else CertificateKind.SIGN).certificate
        aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        assert aki == issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rig().save(tmp_path)
    older, newer = labels()
    for name in (f"auth-ca-{older}.pem", f"auth-ca-{newer}.key", f"sign-ca-{newer}.pem", "index.json"):
        assert (tmp_path / name).is_file()
    assert stat.S_IMODE((tmp_path / f"auth-ca-{newer}.key").stat().st_mode) == 0o600
    assert json.loads((tmp_path / "index.json").read_text())["format"] == "hiroba-jpki-test-ca/1"

    loaded = TestCa.load(tmp_path)
    assert [(g.kind, g.label, g.certificate) for g in loaded.generations] == [
        (g.kind, g.label, g.certificate) for g in rig().generations
    ]
    for mine, theirs in zip(loaded.generations, rig().generations, strict=True):
        assert mine.key.private_numbers() == theirs.key.private_numbers()
    assert loaded.config() == rig().config()

    # The loaded CA keeps issuing certificates the original configuration accepts.
    leaf = issue_certificate(loaded, CertificateKind.AUTH, leaf_key(4).public_key(), now=NOW)
    result = validate_certificate(
        leaf.public_bytes(serialization.Encoding.DER),
        kind=CertificateKind.AUTH,
        config=rig().config(),
        at=NOW,
        revocation=crl_checker(),
    )
    assert result.issuer == rig().current(CertificateKind.AUTH).certificate


def test_load_refuses_paths_outside_the_directory(tmp_path: Path) -> None:
    rig().save(tmp_path)
    index = json.loads((tmp_path / "index.json").read_text())
    index["generations"][0]["key"] = "../elsewhere.key"
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(ValueError, match="inside the directory"):
        TestCa.load(tmp_path)


def test_issue_certificate_guards_the_profile() -> None:
    with pytest.raises(ValueError, match="basic facts"):
        issue_certificate(rig(), CertificateKind.SIGN, leaf_key(4).public_key(), now=NOW)
    with pytest.raises(ValueError, match="sex"):
        issue_virtual_card(
            rig(),
            name="x",
            birth_date=NOW.date(),
            sex="9",
            address="y",
            now=NOW,
            auth_key=leaf_key(0),
            sign_key=leaf_key(1),
        )
    with pytest.raises(LookupError):
        rig().generation(CertificateKind.AUTH, "1999")


def test_ocsp_responder_refuses_what_it_cannot_answer() -> None:
    assert (
        ocsp.load_der_ocsp_response(rig().ocsp_respond(b"junk", at=NOW)).response_status
        is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
    stranger = issue_certificate(foreign_rig(), CertificateKind.AUTH, leaf_key(4).public_key(), now=NOW)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(stranger, foreign_rig().current(CertificateKind.AUTH).certificate, hashes.SHA256())
        .build()
    )
    answer = rig().ocsp_respond(request.public_bytes(serialization.Encoding.DER), at=NOW)
    assert ocsp.load_der_ocsp_response(answer).response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_ocsp_responder_answers_sha1_cert_ids_too() -> None:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(card().auth_certificate, rig().current(CertificateKind.AUTH).certificate, hashes.SHA1())  # noqa: S303 - responders still see SHA-1 CertIDs
        .build()
    )
    answer = ocsp.load_der_ocsp_response(
        rig().ocsp_respond(request.public_bytes(serialization.Encoding.DER), at=NOW, next_update=timedelta(minutes=5))
    )
    assert answer.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert answer.next_update_utc == NOW + timedelta(minutes=5)


def test_package_is_django_free() -> None:
    code = (
        "import sys, hiroba.identity.jpki, hiroba.identity.jpki.testca;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'"
        " or (m.startswith('hiroba.') and not m.startswith('hiroba.identity.jpki') and m != 'hiroba.identity'));"
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[4])}
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
