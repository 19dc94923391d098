"""Staff and merchant sign-in: passkeys (WebAuthn, user verification required), invitations and e-mail codes.

Staff enrol their first passkey from a one-time invitation link; merchants sign in with a passkey or a one-time code
sent to their e-mail address; a password is accepted only where settings.STAFF_PASSWORD_SIGN_IN is on (developers'
machines). Every step is throttled and audited. A success is recorded in the transaction of the act; a refusal in a
transaction of its own, because the act's transaction is rolled back and the record of the refusal must stay. That is
why the public sign-in functions below are not themselves `atomic(durable=True)`: each opens its durable transactions
inside, so that the throttle counters and the refusal records commit on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import AppError, Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from hiroba.core.models import Channel
from hiroba.identity.events import IdentityEvent
from hiroba.identity.keys import lookup_hash
from hiroba.identity.models import AccountKind, EmailCode, Invitation, Passkey, User
from hiroba.identity.services.throttle import EMAIL_CODE_SEND, Limit, TooManyAttempts, throttle_hit
from hiroba.tenancy.models import Role
from hiroba.tenancy.selectors import actor_scope, scope_require

INVITATION_LIFETIME = timedelta(hours=72)
EMAIL_CODE_LIFETIME = timedelta(minutes=10)
EMAIL_CODE_MAX_ATTEMPTS = 5
PASSKEY_NAME_MAX = 60
# ES256 first (every platform authenticator), RS256 for Windows Hello on older TPMs.
ALGORITHMS = [COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256]

# Per client address, every step (options, verify, password, e-mail code, invitation). Town halls sit behind one
# LGWAN address, so this is generous; the per-account and per-credential limits below do the real work.
SIGN_IN_CLIENT = Limit("signin_client", 300, timedelta(minutes=5))
PASSKEY_CREDENTIAL = Limit("passkey_credential", 10, timedelta(minutes=5))
PASSWORD_ACCOUNT = Limit("password_account", 10, timedelta(minutes=15))
EMAIL_CODE_VERIFY = Limit("email_code_verify", 10, timedelta(minutes=15))


class Gone(AppError):
    """A one-time link that was good once and is no longer (410)."""

    status = 410


class _Refused(Exception):
    """A refusal on its way out: the error the caller sees and what the audit record keeps."""

    def __init__(
        self, error: AppError, *, reason: str, user: User | None = None, subject: str = "", **data: Any
    ) -> None:
        super().__init__(error.code)
        self.error = error
        self.reason = reason
        self.user = user
        self.subject = subject
        self.data = data


# ------------------------------------------------------------------------------------------------ shared helpers


def _chain(user: User | None) -> str | None:
    """The audit chain of the user's municipality, or None (the platform chain) for agency staff and merchants."""
    if user is None:
        return None
    try:
        return user.staff.municipality_id
    except ObjectDoesNotExist:
        return None


def _user_subject(user: User) -> str:
    return f"user:{user.public_id}"


def _record_refusal(refusal: _Refused, *, method: str, tag: str = IdentityEvent.SIGNIN_FAILED) -> None:
    """Write the refusal in a transaction of its own: the refused act's transaction has been rolled back."""
    user = refusal.user
    subject = refusal.subject or (_user_subject(user) if user is not None else "anonymous")
    with transaction.atomic(durable=True):
        audit_record(
            tag=tag,
            actor=Actor(user=None, channel=Channel.WEB, ref="anonymous"),
            subject=subject,
            data={"method": method, "reason": refusal.reason, **refusal.data},
            municipality=_chain(user),
        )


def _throttle(limit: Limit, key: str, *, user: User | None = None, subject: str = "") -> None:
    try:
        throttle_hit(limit, key=key)
    except TooManyAttempts as error:
        raise _Refused(error, reason="throttled", user=user, subject=subject, limit=limit.scope) from error


def sign_in_throttle(*, ip: str, step: str) -> None:
    """Count one authentication step from a client address; refuse (429, audited) when it has made too many."""
    try:
        _throttle(SIGN_IN_CLIENT, ip or "unknown", subject=f"client:{lookup_hash('client-audit', ip)[:16]}")
    except _Refused as refusal:
        _record_refusal(refusal, method=step)
        raise refusal.error from None


# ------------------------------------------------------------------------------------------------ invitations


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invitation_valid(invitation: Invitation | None) -> Invitation:
    """The invitation itself if it can still be used; otherwise the refusal, with its reason."""
    if invitation is None or not invitation.user.is_active:
        raise _Refused(
            NotFound(
                "identity.invitation_invalid",
                ja="この招待リンクは無効です。管理者に新しいリンクを依頼してください。",
                en="This invitation link is not valid. Please ask your administrator for a new one.",
            ),
            reason="invitation_invalid",
            subject="invitation:unknown",
        )
    if invitation.used_at is not None:
        raise _Refused(
            Gone(
                "identity.invitation_used",
                ja="この招待リンクはすでに使われています。",
                en="This invitation link has already been used.",
            ),
            reason="invitation_used",
            user=invitation.user,
        )
    if invitation.expires_at <= timezone.now():
        raise _Refused(
            Gone(
                "identity.invitation_expired",
                ja="この招待リンクは有効期限(72時間)を過ぎています。管理者に新しいリンクを依頼してください。",
                en="This invitation link has expired (after 72 hours). Please ask your administrator for a new one.",
            ),
            reason="invitation_expired",
            user=invitation.user,
        )
    return invitation


def _may_invite(actor: Actor, user: User) -> None:
    """An admin of a municipality invites its staff; the agency invites its own staff and merchants."""
    if user.kind == AccountKind.RESIDENT:
        raise Invalid(
            "identity.invitation_not_for_residents",
            ja="住民はマイナンバーカードでログインします。招待リンクは職員と事業者のためのものです。",
            en="Residents sign in with the My Number Card; invitation links are for staff and merchants.",
        )
    scope = actor_scope(actor)
    lg_code = _chain(user)
    if lg_code is not None:
        scope_require(scope, Role.ADMIN, lg_code)
    else:
        scope_require(scope, Role.AGENCY)


@transaction.atomic(durable=True)
def invitation_create(*, user: User, actor: Actor) -> str:
    """A one-time link token (72 hours) with which `user` enrols a passkey. Only its SHA-256 is stored.

    Earlier invitations of the same account that were not used end now: only the newest link works.
    """
    _may_invite(actor, user)
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=_token_hash(token),
        created_by=actor.user,
        expires_at=now + INVITATION_LIFETIME,
    )
    audit_record(
        tag=IdentityEvent.INVITATION_CREATED,
        actor=actor,
        subject=_user_subject(user),
        data={"invitation": invitation.pk, "expires_at": invitation.expires_at.isoformat()},
        municipality=_chain(user),
    )
    return token


def invitation_redeem_begin(*, token: str) -> User:
    """The account a still valid, unused invitation is for; refusals are audited."""
    try:
        invitation = _invitation_valid(
            Invitation.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
        )
    except _Refused as refusal:
        _record_refusal(refusal, method="invitation")
        raise refusal.error from None
    return invitation.user


# ------------------------------------------------------------------------------------------------ passkeys


def _user_handle(user: User) -> bytes:
    """The WebAuthn user handle: the account's random public ID, never a name or the database key."""
    return user.public_id.encode()


def _transports(values: list[str]) -> list[AuthenticatorTransport]:
    known = {t.value for t in AuthenticatorTransport}
    return [AuthenticatorTransport(v) for v in values if v in known]


def passkey_registration_options(*, user: User, rp_id: str, rp_name: str) -> tuple[str, bytes]:
    """Options for navigator.credentials.create(): user verification required, a resident key preferred."""
    existing = [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id), transports=_transports(p.transports))
        for p in Passkey.objects.filter(user=user)
    ]
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_name=user.username,
        user_id=_user_handle(user),
        user_display_name=user.full_name or user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=existing,
        supported_pub_key_algs=ALGORITHMS,
    )
    return options_to_json(options), options.challenge


def _registration_invalid() -> Invalid:
    return Invalid(
        "identity.passkey_registration_invalid",
        ja="パスキーを登録できませんでした。もう一度お試しください。",
        en="The passkey could not be registered. Please try again.",
    )


def _passkey_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) > PASSKEY_NAME_MAX:
        raise Invalid(
            "identity.passkey_name_invalid",
            ja=f"パスキーの名前は{PASSKEY_NAME_MAX}文字以内にしてください。",
            en=f"A passkey name has at most {PASSKEY_NAME_MAX} characters.",
        )
    return cleaned


def passkey_register(
    *,
    user: User,
    credential_json: str,
    challenge: bytes,
    rp_id: str,
    origin: str,
    name: str,
    invitation_token: str | None = None,
) -> Passkey:
    """Verify navigator.credentials.create()'s answer and keep the new passkey; uses up the invitation, if any."""
    try:
        return _passkey_register(
            user=user,
            credential_json=credential_json,
            challenge=challenge,
            rp_id=rp_id,
            origin=origin,
            name=name,
            invitation_token=invitation_token,
        )
    except _Refused as refusal:
        _record_refusal(refusal, method="passkey", tag=IdentityEvent.PASSKEY_REGISTRATION_FAILED)
        raise refusal.error from None


def _passkey_register(
    *,
    user: User,
    credential_json: str,
    challenge: bytes,
    rp_id: str,
    origin: str,
    name: str,
    invitation_token: str | None,
) -> Passkey:
    if user.kind == AccountKind.RESIDENT or not user.is_active:
        raise _Refused(
            PermissionDenied(
                "identity.passkey_not_allowed",
                ja="このアカウントではパスキーを登録できません。",
                en="This account cannot register passkeys.",
            ),
            reason="not_allowed",
            user=user,
        )
    label = _passkey_name(name) or f"Passkey {timezone.localdate().isoformat()}"
    if not challenge:
        raise _Refused(_challenge_missing(), reason="no_challenge", user=user)
    try:
        credential = parse_registration_credential_json(credential_json)
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError) as exc:
        raise _Refused(_registration_invalid(), reason="invalid_response", user=user, detail=str(exc)[:200]) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    with transaction.atomic(durable=True):
        invitation = None
        if invitation_token is not None:
            invitation = _invitation_valid(
                Invitation.objects.select_for_update()
                .select_related("user")
                .filter(token_hash=_token_hash(invitation_token))
                .first()
            )
            if invitation.user_id != user.pk:
                raise _Refused(_registration_invalid(), reason="invitation_other_user", user=user)
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
        if Passkey.objects.filter(credential_id=credential_id).exists():
            raise _Refused(
                Conflict(
                    "identity.passkey_exists",
                    ja="このパスキーはすでに登録されています。",
                    en="This passkey is already registered.",
                ),
                reason="duplicate_credential",
                user=user,
            )
        passkey = Passkey.objects.create(
            user=user,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[t.value for t in credential.response.transports or []],
            aaguid=verified.aaguid,
            name=label,
        )
        audit_record(
            tag=IdentityEvent.PASSKEY_REGISTERED,
            actor=Actor.for_user(user, channel=Channel.WEB),
            subject=_user_subject(user),
            data={"passkey": passkey.pk, "aaguid": passkey.aaguid, "invitation": invitation is not None},
            municipality=_chain(user),
        )
    return passkey


def passkey_authentication_options(*, rp_id: str) -> tuple[str, bytes]:
    """Options for navigator.credentials.get(): discoverable credentials (no allow list), user verification required."""
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=[], user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options), options.challenge


def _challenge_missing() -> NotAuthenticated:
    return NotAuthenticated(
        "identity.passkey_challenge_missing",
        ja="手続きの有効期限が切れました。もう一度お試しください。",
        en="The request has expired. Please try again.",
    )


def _passkey_invalid() -> NotAuthenticated:
    return NotAuthenticated(
        "identity.passkey_invalid",
        ja="パスキーを確認できませんでした。",
        en="The passkey could not be verified.",
    )


def passkey_authenticate(*, credential_json: str, challenge: bytes, rp_id: str, origin: str) -> User:
    """Verify navigator.credentials.get()'s answer (user verified, counter increasing) and return its account.

    An empty `challenge` means the browser session holds no live challenge: refused like a bad signature.
    """
    try:
        return _passkey_authenticate(credential_json=credential_json, challenge=challenge, rp_id=rp_id, origin=origin)
    except _Refused as refusal:
        _record_refusal(refusal, method="passkey")
        raise refusal.error from None


def _passkey_authenticate(*, credential_json: str, challenge: bytes, rp_id: str, origin: str) -> User:
    if not challenge:
        raise _Refused(_challenge_missing(), reason="no_challenge")
    try:
        credential = parse_authentication_credential_json(credential_json)
    except (WebAuthnException, ValueError) as exc:
        raise _Refused(_passkey_invalid(), reason="malformed") from exc
    subject = f"passkey:{lookup_hash('passkey-audit', credential.id)[:16]}"
    _throttle(PASSKEY_CREDENTIAL, credential.id, subject=subject)
    with transaction.atomic(durable=True):
        passkey = Passkey.objects.select_for_update().select_related("user").filter(credential_id=credential.id).first()
        if passkey is None:
            raise _Refused(
                NotAuthenticated(
                    "identity.passkey_unknown",
                    ja="このパスキーは登録されていません。",
                    en="This passkey is not registered.",
                ),
                reason="unknown_credential",
                subject=subject,
            )
        user = passkey.user
        handle = credential.response.user_handle
        if handle is not None and handle != _user_handle(user):
            raise _Refused(_passkey_invalid(), reason="user_handle_mismatch", user=user, passkey=passkey.pk)
        if not user.is_active:
            raise _Refused(_passkey_invalid(), reason="inactive", user=user, passkey=passkey.pk)
        try:
            # The counter is checked below, after the signature, so that a clone is told apart from a bad answer.
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=0,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError) as exc:
            raise _Refused(
                _passkey_invalid(), reason="invalid_response", user=user, passkey=passkey.pk, detail=str(exc)[:200]
            ) from exc
        new_count = verified.new_sign_count
        if (new_count > 0 or passkey.sign_count > 0) and new_count <= passkey.sign_count:
            raise _Refused(
                NotAuthenticated(
                    "identity.passkey_cloned",
                    ja="このパスキーは複製された可能性があるため使えません。管理者に連絡してください。",
                    en="This passkey may have been copied and cannot be used. Please contact your administrator.",
                ),
                reason="cloned",
                user=user,
                passkey=passkey.pk,
                stored_count=passkey.sign_count,
                received_count=new_count,
            )
        passkey.sign_count = new_count
        passkey.last_used_at = timezone.now()
        passkey.save(update_fields=["sign_count", "last_used_at"])
        audit_record(
            tag=IdentityEvent.SIGNIN_PASSKEY,
            actor=Actor.for_user(user, channel=Channel.WEB),
            subject=_user_subject(user),
            data={"method": "passkey", "passkey": passkey.pk},
            municipality=_chain(user),
        )
    return user


def _own_passkey(*, user: User, passkey_id: int) -> Passkey:
    passkey = Passkey.objects.select_for_update().filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise NotFound("identity.passkey_not_found", ja="そのパスキーはありません。", en="There is no such passkey.")
    return passkey


@transaction.atomic(durable=True)
def passkey_rename(*, user: User, passkey_id: int, name: str, actor: Actor) -> Passkey:
    passkey = _own_passkey(user=user, passkey_id=passkey_id)
    label = _passkey_name(name)
    if not label:
        raise Invalid("identity.passkey_name_invalid", ja="名前を入力してください。", en="Please enter a name.")
    passkey.name = label
    passkey.save(update_fields=["name"])
    audit_record(
        tag=IdentityEvent.PASSKEY_RENAMED,
        actor=actor,
        subject=_user_subject(user),
        data={"passkey": passkey.pk},
        municipality=_chain(user),
    )
    return passkey


@transaction.atomic(durable=True)
def passkey_delete(*, user: User, passkey_id: int, actor: Actor) -> None:
    """Remove one of the account's passkeys; a staff account keeps at least one (it has no other way in)."""
    passkey = _own_passkey(user=user, passkey_id=passkey_id)
    remaining = Passkey.objects.select_for_update().filter(user=user).exclude(pk=passkey.pk).count()
    if user.kind == AccountKind.STAFF and remaining == 0:
        raise Conflict(
            "identity.last_passkey",
            ja="最後のパスキーは削除できません。先に別のパスキーを追加してください。",
            en="You cannot delete your last passkey. Add another passkey first.",
        )
    passkey.delete()
    audit_record(
        tag=IdentityEvent.PASSKEY_DELETED,
        actor=actor,
        subject=_user_subject(user),
        data={"passkey": passkey_id},
        municipality=_chain(user),
    )


# ------------------------------------------------------------------------------------------------ e-mail codes


def _address(email: str) -> str:
    return email.strip().lower()


def _email_subject(address: str) -> str:
    return f"email:{lookup_hash('email-audit', address)[:16]}"


def _merchant(address: str) -> User | None:
    """The one active merchant account with this address; several (a data error) count as none."""
    found = list(User.objects.filter(kind=AccountKind.MERCHANT, is_active=True, email__iexact=address)[:2])
    return found[0] if len(found) == 1 else None


def _code_hash(user: User, code: str) -> str:
    return lookup_hash("email-code", user.public_id, code)


def _send_code(address: str, code: str) -> None:
    minutes = int(EMAIL_CODE_LIFETIME.total_seconds() // 60)
    send_mail(
        subject="【ひろば】ログイン用コード / Hiroba sign-in code",
        message=(
            f"ひろばのログイン用コードは {code} です。{minutes}分間有効です。\n"
            "お心当たりのない場合は、このメールを破棄してください。\n\n"
            f"Your Hiroba sign-in code is {code}. It is valid for {minutes} minutes.\n"
            "If you did not ask for it, you can ignore this e-mail.\n"
        ),
        from_email=None,
        recipient_list=[address],
    )


def email_code_send(*, email: str) -> None:
    """Send a 6-digit sign-in code to a merchant's address (valid 10 minutes).

    An unknown address is answered exactly like a known one (no account enumeration); both are throttled alike.
    """
    address = _address(email)
    try:
        _throttle(EMAIL_CODE_SEND, address, subject=_email_subject(address))
    except _Refused as refusal:
        _record_refusal(refusal, method="email_code")
        raise refusal.error from None
    with transaction.atomic(durable=True):
        user = _merchant(address)
        if user is None:
            audit_record(
                tag=IdentityEvent.SIGNIN_FAILED,
                actor=Actor(user=None, channel=Channel.WEB, ref="anonymous"),
                subject=_email_subject(address),
                data={"method": "email_code", "reason": "unknown_email", "step": "send"},
            )
            return
        now = timezone.now()
        # A new code replaces any earlier one that was not used.
        EmailCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        EmailCode.objects.create(user=user, code_hash=_code_hash(user, code), expires_at=now + EMAIL_CODE_LIFETIME)
        audit_record(
            tag=IdentityEvent.EMAIL_CODE_SENT,
            actor=Actor(user=None, channel=Channel.WEB, ref="anonymous"),
            subject=_user_subject(user),
        )
        transaction.on_commit(lambda: _send_code(user.email, code))


def _code_invalid() -> Invalid:
    # One message for every reason (wrong, expired, used up, unknown address): the reason is in the audit record.
    return Invalid(
        "identity.email_code_invalid",
        ja="コードが正しくないか、有効期限が切れています。新しいコードを請求してください。",
        en="The code is wrong or no longer valid. Please ask for a new code.",
    )


def email_code_verify(*, email: str, code: str) -> User:
    """The merchant whose newest code this is: at most 5 tries per code, 10 minutes, used once."""
    try:
        return _email_code_verify(email=email, code=code)
    except _Refused as refusal:
        _record_refusal(refusal, method="email_code")
        raise refusal.error from None


def _email_code_verify(*, email: str, code: str) -> User:
    address = _address(email)
    subject = _email_subject(address)
    _throttle(EMAIL_CODE_VERIFY, address, subject=subject)
    # Full-width digits (１２３４５６) and spaces from a phone's keyboard are fine.
    given = "".join(unicodedata.normalize("NFKC", code).split())
    with transaction.atomic(durable=True):
        user = _merchant(address)
        if user is None:
            raise _Refused(_code_invalid(), reason="unknown_email", subject=subject)
        row = EmailCode.objects.select_for_update().filter(user=user, used_at__isnull=True).order_by("-pk").first()
        now = timezone.now()
        if row is None:
            raise _Refused(_code_invalid(), reason="no_code", user=user)
        if row.expires_at <= now:
            raise _Refused(_code_invalid(), reason="expired", user=user)
        if row.attempts >= EMAIL_CODE_MAX_ATTEMPTS:
            raise _Refused(_code_invalid(), reason="attempts_exhausted", user=user)
        EmailCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        if hmac.compare_digest(row.code_hash, _code_hash(user, given)):
            EmailCode.objects.filter(pk=row.pk).update(used_at=now)
            audit_record(
                tag=IdentityEvent.SIGNIN_EMAIL_CODE,
                actor=Actor.for_user(user, channel=Channel.WEB),
                subject=_user_subject(user),
                data={"method": "email_code"},
            )
            return user
    # The wrong guess is counted (committed above) before it is refused.
    raise _Refused(_code_invalid(), reason="wrong_code", user=user, attempt=row.attempts + 1)


# ------------------------------------------------------------------------------------------------ password (dev only)


def password_authenticate(*, username: str, password: str) -> User:
    """Staff user name and password: only where settings.STAFF_PASSWORD_SIGN_IN is on (developers' machines)."""
    try:
        return _password_authenticate(username=username, password=password)
    except _Refused as refusal:
        _record_refusal(refusal, method="password")
        raise refusal.error from None


def _password_authenticate(*, username: str, password: str) -> User:
    known = User.objects.filter(username=username).first()
    subject = "" if known else f"username:{lookup_hash('username-audit', username)[:16]}"
    if not settings.STAFF_PASSWORD_SIGN_IN:
        raise _Refused(
            PermissionDenied(
                "identity.password_disabled",
                ja="パスワードでのログインは使えません。パスキーでログインしてください。",
                en="Signing in with a password is switched off. Please sign in with a passkey.",
            ),
            reason="password_disabled",
            user=known,
            subject=subject,
        )
    _throttle(PASSWORD_ACCOUNT, username.lower(), user=known, subject=subject)
    user = authenticate(None, username=username, password=password)
    if not isinstance(user, User) or user.kind != AccountKind.STAFF:
        raise _Refused(
            NotAuthenticated(
                "identity.password_invalid",
                ja="ユーザー名またはパスワードが正しくありません。",
                en="The user name or password is not correct.",
            ),
            reason="bad_credentials",
            user=known,
            subject=subject,
        )
    with transaction.atomic(durable=True):
        audit_record(
            tag=IdentityEvent.SIGNIN_PASSWORD,
            actor=Actor.for_user(user, channel=Channel.WEB),
            subject=_user_subject(user),
            data={"method": "password"},
            municipality=_chain(user),
        )
    return user
