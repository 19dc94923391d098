"""My Number Card sign-in and enrollment by challenge–response, in the Web eID style.

The server issues a nonce bound to the browser session; the card signs SHA-256(origin) ‖ SHA-256(nonce); the
server rebuilds those bytes from its own state (never from what the client says), validates the certificate
against the configured JPKI trust anchors, checks revocation and the signature, and only then looks the
certificate up. The certificate is never stored: a keyed hash of issuing CA and serial is the binding.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import AppError, Invalid, NotAuthenticated
from hiroba.core.models import Channel
from hiroba.identity import jpki
from hiroba.identity.events import IdentityEvent
from hiroba.identity.keys import lookup_hash
from hiroba.identity.models import Challenge, ChallengePurpose, CredentialKind, ResidentStatus, RevocationList, User
from hiroba.identity.selectors.residents import binding_by_lookup
from hiroba.identity.services.residents import EnrollmentOffer, PendingCredential, credential_used, enrollment_offer
from hiroba.identity.services.throttle import CERT_FAILURES, CERT_SIGN_IN, IP_SIGN_IN, throttle_check, throttle_hit

CHALLENGE_LIFETIME = timedelta(minutes=5)
MAX_SIGNATURE_BYTES = 1024

# Refusals of the input itself are 422; everything that says "this card may not sign in now" is 401.
_MALFORMED = {"jpki.malformed_certificate", "jpki.malformed_signature"}
_MESSAGES: dict[str, tuple[str, str]] = {
    "jpki.malformed_certificate": ("証明書を読み取れませんでした。", "The certificate could not be read."),
    "jpki.malformed_signature": ("署名の形式が正しくありません。", "The signature is not well formed."),
    "jpki.unknown_issuer": ("公的個人認証の証明書ではありません。", "This is not a JPKI certificate."),
    "jpki.wrong_certificate_type": (
        "証明書の種類が違います（利用者証明用と署名用をお確かめください）。",
        "Wrong kind of certificate (authentication and signature certificates differ).",
    ),
    "jpki.not_yet_valid": ("証明書の有効期間がまだ始まっていません。", "The certificate is not valid yet."),
    "jpki.expired": (
        "証明書の有効期限が切れています。市区町村の窓口で更新してください。",
        "The certificate has expired. Please renew it at your municipal office.",
    ),
    "jpki.key_usage": ("この証明書はこの用途に使えません。", "This certificate may not be used for this."),
    "jpki.policy": ("この証明書はこの用途に使えません。", "This certificate may not be used for this."),
    "jpki.chain": ("証明書を確認できませんでした。", "The certificate could not be verified."),
    "jpki.revoked": ("この証明書は失効しています。", "This certificate has been revoked."),
    "jpki.revocation_unavailable": (
        "証明書の失効確認ができませんでした。しばらくしてからお試しください。",
        "The certificate's revocation status could not be checked. Please try again later.",
    ),
    "jpki.ocsp_stale": ("失効確認の応答が古いため確認できませんでした。", "The revocation answer was out of date."),
    "jpki.ocsp_unsigned": ("失効確認の応答を確認できませんでした。", "The revocation answer could not be verified."),
    "jpki.ocsp_nonce": ("失効確認の応答を確認できませんでした。", "The revocation answer could not be verified."),
    "jpki.bad_signature": ("署名を確認できませんでした。", "The signature could not be verified."),
}


def _refusal(error: jpki.JpkiError) -> AppError:
    ja, en = _MESSAGES.get(error.code, ("確認できませんでした。", "Verification failed."))
    cls = Invalid if error.code in _MALFORMED else NotAuthenticated
    return cls(error.code, ja=ja, en=en)


def _challenge_error(code: str) -> NotAuthenticated:
    return NotAuthenticated(
        code,
        ja="確認用の番号が無効か期限切れです。もう一度やり直してください。",
        en="The sign-in challenge is unknown, used or expired. Please start again.",
    )


# ---------------------------------------------------------------- configuration


@functools.cache
def _test_rig_ca() -> jpki.TestCa:
    return jpki.TestCa.load(Path(settings.TEST_RIG_DIR) / "ca")


def jpki_config() -> jpki.JpkiConfig:
    """Trust anchors and policies from settings; on a test rig without anchors, the rig's own CA."""
    if settings.JPKI_AUTH_ANCHORS or not settings.TEST_RIG:
        return _configured(
            tuple(settings.JPKI_AUTH_ANCHORS),
            tuple(settings.JPKI_SIGN_ANCHORS),
            frozenset(settings.JPKI_AUTH_POLICY_OIDS),
            frozenset(settings.JPKI_SIGN_POLICY_OIDS),
        )
    return _test_rig_ca().config()


@functools.cache
def _configured(
    auth: tuple[str, ...], sign: tuple[str, ...], auth_oids: frozenset[str], sign_oids: frozenset[str]
) -> jpki.JpkiConfig:
    return jpki.JpkiConfig.from_pem_files(
        auth_anchor_files=[Path(p) for p in auth],
        sign_anchor_files=[Path(p) for p in sign],
        auth_policy_oids=auth_oids,
        sign_policy_oids=sign_oids,
    )


def jpki_config_reset() -> None:
    """Forget cached configuration (after `make-test-ca` or a settings change in tests)."""
    _test_rig_ca.cache_clear()
    _configured.cache_clear()
    _crl_checker.cache_clear()


@functools.lru_cache(maxsize=4)
def _crl_checker(rows: tuple[tuple[int, datetime], ...], config: jpki.JpkiConfig) -> jpki.CrlChecker:
    """Parsed, signature-checked and indexed once per set of loaded CRLs, then shared by every sign-in."""
    ders = RevocationList.objects.filter(pk__in=[pk for pk, _ in rows]).values_list("der", flat=True)
    return jpki.CrlChecker(
        [x509.load_der_x509_crl(bytes(der)) for der in ders], issuers=config.auth_anchors + config.sign_anchors
    )


def revocation_checker(config: jpki.JpkiConfig) -> jpki.RevocationChecker:
    """The newest loaded CRL of each issuing CA, plus the OCSP responder when one is configured."""
    newest: dict[str, tuple[int, datetime]] = {}
    for key_id, pk, loaded_at in RevocationList.objects.order_by("issuer_key_id", "-crl_number").values_list(
        "issuer_key_id", "pk", "loaded_at"
    ):
        newest.setdefault(key_id, (pk, loaded_at))
    crl_checker = _crl_checker(tuple(sorted(newest.values())), config)
    if settings.JPKI_OCSP_URL:
        return jpki.CombinedChecker(crl_checker, jpki.OcspChecker(url=settings.JPKI_OCSP_URL))
    return crl_checker


@transaction.atomic(durable=True)
def crl_load(*, der: bytes, actor: Actor) -> RevocationList:
    """Load a CRL the operator fetched from J-LIS or the platform operator; its signature is checked first."""
    config = jpki_config()
    try:
        crl = jpki.load_crl(der, issuers=config.auth_anchors + config.sign_anchors)
    except jpki.JpkiError as error:
        raise _refusal(error) from error
    key_id = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier or b""
    number_ext = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    if crl.next_update_utc is None:
        raise Invalid("jpki.crl_no_next_update", ja="次回更新日のないCRLです。", en="The CRL has no next update.")
    row, created = RevocationList.objects.get_or_create(
        issuer_key_id=key_id.hex(),
        crl_number=number_ext,
        defaults={"this_update": crl.last_update_utc, "next_update": crl.next_update_utc, "der": der},
    )
    if created:
        audit_record(
            tag=IdentityEvent.CRL_LOADED,
            actor=actor,
            subject=f"crl:{key_id.hex()}:{number_ext}",
            data={"revoked": len(crl), "next_update": crl.next_update_utc.isoformat()},
        )
    return row


# ---------------------------------------------------------------- challenges


def _session_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


@transaction.atomic(durable=True)
def challenge_issue(*, session_key: str, purpose: ChallengePurpose) -> str:
    """A fresh nonce (256 bits) for this browser session; only its hash is stored."""
    now = timezone.now()
    nonce = jpki.new_nonce()
    Challenge.objects.create(
        nonce_hash=_nonce_hash(nonce),
        session_hash=_session_hash(session_key),
        purpose=purpose,
        issued_at=now,
        expires_at=now + CHALLENGE_LIFETIME,
    )
    return nonce


def _challenge_take(*, nonce: str, session_key: str, purpose: ChallengePurpose) -> None:
    """Use the nonce up: a conditional update, so two concurrent requests cannot both succeed."""
    now = timezone.now()
    found = Challenge.objects.filter(
        nonce_hash=_nonce_hash(nonce), session_hash=_session_hash(session_key), purpose=purpose
    ).first()
    if found is None:
        raise _challenge_error("identity.challenge_unknown")
    taken = Challenge.objects.filter(pk=found.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if not taken:
        # read again: a request racing this one may have used the nonce after `found` was read
        used = Challenge.objects.filter(pk=found.pk, used_at__isnull=False).exists()
        raise _challenge_error("identity.challenge_used" if used else "identity.challenge_expired")


# ---------------------------------------------------------------- sign-in and enrollment


@dataclass(frozen=True)
class CardProof:
    """What the browser sends back: the certificate (DER), the signature and which card application signed."""

    certificate: bytes
    signature: bytes
    nonce: str
    token: str = jpki.PLASTIC_CARD_TOKEN


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None  # None: a valid card that is not enrolled yet
    pending: PendingCredential


def _cert_key(proof: CardProof) -> str:
    return hashlib.sha256(proof.certificate).hexdigest()


def audit_failure(*, reason: str, subject: str, step: str) -> None:
    """Failures are recorded in their own transaction: the refused act's own transaction is rolled back."""
    with transaction.atomic():
        audit_record(
            tag=IdentityEvent.SIGNIN_FAILED,
            actor=Actor(user=None, channel=Channel.WEB, ref="anonymous"),
            subject=subject,
            data={"reason": reason, "step": step},
        )


def _certificate_subject(proof: CardProof) -> str:
    """A keyed, shortened stand-in: repeated failures of one certificate can be grouped, the certificate not read."""
    return f"certificate:{lookup_hash('cert-audit', _cert_key(proof))[:16]}"


def _guard(proof: CardProof, *, ip: str, step: str) -> None:
    throttle_hit(IP_SIGN_IN, key=ip)
    throttle_hit(CERT_SIGN_IN, key=_cert_key(proof))
    throttle_check(CERT_FAILURES, key=_cert_key(proof))
    if len(proof.signature) > MAX_SIGNATURE_BYTES:
        raise Invalid(
            "jpki.malformed_signature",
            ja=_MESSAGES["jpki.malformed_signature"][0],
            en=_MESSAGES["jpki.malformed_signature"][1],
        )


def card_verify(
    proof: CardProof,
    *,
    origin: str,
    session_key: str,
    purpose: ChallengePurpose,
    ip: str,
    step: str,
    kind: jpki.CertificateKind,
    challenge_taken: bool = False,
) -> jpki.ValidatedCertificate:
    """Throttle, use up the challenge (unless a first proof over the same nonce already did), validate the
    certificate and check the signature over the bytes rebuilt from our own origin and nonce."""
    try:
        _guard(proof, ip=ip, step=step)
        if not challenge_taken:
            with transaction.atomic():
                _challenge_take(nonce=proof.nonce, session_key=session_key, purpose=purpose)
        config = jpki_config()
        now = timezone.now()
        checker = revocation_checker(config)
        if kind is jpki.CertificateKind.AUTH:
            return jpki.verify_authentication(
                certificate_der=proof.certificate,
                signature=proof.signature,
                origin=origin,
                nonce=proof.nonce,
                config=config,
                at=now,
                revocation=checker,
            )
        return jpki.verify_signing(
            certificate_der=proof.certificate,
            signature=proof.signature,
            data=jpki.signed_data(origin=origin, nonce=proof.nonce),
            config=config,
            at=now,
            revocation=checker,
        )
    except jpki.JpkiError as error:
        if error.code == "jpki.bad_signature":
            _count_failure(_cert_key(proof))
        audit_failure(reason=error.code, subject=_certificate_subject(proof), step=step)
        raise _refusal(error) from error
    except AppError as error:
        audit_failure(reason=error.code, subject=_certificate_subject(proof), step=step)
        raise


def _count_failure(cert_key: str) -> None:
    # the block takes effect on the next attempt; this one is refused for its own reason
    with contextlib.suppress(AppError):
        throttle_hit(CERT_FAILURES, key=cert_key)


def pending_credential(validated: jpki.ValidatedCertificate, token: str) -> PendingCredential:
    """The binding a verified authentication certificate would get (a keyed hash of its CA and serial)."""
    kind = CredentialKind.JPKI_AUTH_PHONE if token == jpki.SMARTPHONE_TOKEN else CredentialKind.JPKI_AUTH
    return PendingCredential(
        kind=kind,
        lookup=lookup_hash("jpki", validated.issuer_key_id.hex(), str(validated.serial)),
        not_after=validated.not_after.isoformat(),
    )


def jpki_sign_in(
    *, proof: CardProof, origin: str, session_key: str, ip: str, channel: Channel = Channel.WEB
) -> SignInOutcome:
    """Verify a card's answer to the sign-in challenge and find whom the certificate belongs to."""
    validated = card_verify(
        proof,
        origin=origin,
        session_key=session_key,
        purpose=ChallengePurpose.SIGN_IN,
        ip=ip,
        step="sign_in",
        kind=jpki.CertificateKind.AUTH,
    )
    pending = pending_credential(validated, proof.token)
    binding = binding_by_lookup(lookup=pending.lookup)
    if binding is None:
        return SignInOutcome(user=None, pending=pending)
    user = binding.person.user
    credential_used(binding_id=binding.pk)
    record_sign_in(user=user, method=binding.kind, channel=channel, revocation=validated.revocation.reference)
    return SignInOutcome(user=user, pending=pending)


@transaction.atomic(durable=True)
def record_sign_in(*, user: User, method: str, channel: Channel, revocation: str | None = None) -> None:
    """Audit a resident's sign-in; for a card, with the CRL/OCSP answer that showed it unrevoked (so that the
    decision can be justified later)."""
    resident = user.person.residencies.filter(status=ResidentStatus.ACTIVE).first()
    audit_record(
        tag=IdentityEvent.SIGNIN_RESIDENT,
        actor=Actor.for_user(user, channel=channel),
        subject=f"resident:{resident.pairwise_id}" if resident else f"user:{user.public_id}",
        data={"method": method, **({"revocation": revocation} if revocation else {})},
        municipality=resident.municipality_id if resident else None,
    )


def jpki_enrollment_offer(*, proof: CardProof, origin: str, session_key: str, ip: str) -> EnrollmentOffer:
    """Verify a signature made with the signature certificate and read the basic facts from it, once.

    The address decides the municipality and is then dropped; the certificate is not kept.
    """
    validated = card_verify(
        proof,
        origin=origin,
        session_key=session_key,
        purpose=ChallengePurpose.ENROLL,
        ip=ip,
        step="enroll",
        kind=jpki.CertificateKind.SIGN,
    )
    try:
        facts = jpki.read_basic_facts(validated.certificate)
    except jpki.JpkiError as error:
        raise _refusal(error) from error
    return enrollment_offer(name=facts.name, birth_date=facts.birth_date, address=facts.address)
