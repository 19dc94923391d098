"""Sign-in with the Digital Authentication App (デジタル認証アプリ) over OpenID Connect.

Hiroba is the relying party: authorization code + PKCE S256 + state + nonce, private_key_jwt at the token endpoint,
ID-token validation against the provider's JWKS (hiroba.identity.oidc). The provider's `sub` is its pairwise ID
for Hiroba; a keyed hash of issuer and `sub` is another credential binding of the same person.

On a test rig with no provider configured, the dev provider (hiroba.identity.devprovider) stands in for the app and
is called in-process; production always talks to the configured issuer over HTTPS.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from joserfc import jwk

from hiroba.core.errors import AppError, Invalid, NotAuthenticated
from hiroba.core.models import Channel
from hiroba.identity import oidc
from hiroba.identity.keys import lookup_hash
from hiroba.identity.models import CredentialKind
from hiroba.identity.selectors.residents import binding_by_lookup
from hiroba.identity.services.jpki import SignInOutcome, audit_failure, record_sign_in
from hiroba.identity.services.residents import EnrollmentOffer, PendingCredential, credential_used, enrollment_offer
from hiroba.identity.services.throttle import IP_SIGN_IN, throttle_hit

SESSION_KEY = "hiroba_oidc_pending"
DEV_CLIENT_ID = "hiroba-dev-rp"
CALLBACK_PATH = "/signin/digital-auth/callback/"


@dataclass(frozen=True)
class RelyingParty:
    metadata: oidc.ProviderMetadata
    client: oidc.ClientConfig
    transport: oidc.Transport


def digital_auth_available() -> bool:
    return bool(settings.DIGITAL_AUTH_ISSUER) or bool(settings.TEST_RIG)


@functools.cache
def _configured_metadata(issuer: str) -> oidc.ProviderMetadata:
    return oidc.discover(issuer, transport=oidc.UrllibTransport())


@functools.cache
def _private_key(path: str) -> jwk.RSAKey | jwk.ECKey:
    key = jwk.import_key(json.loads(Path(path).read_text()))
    if not isinstance(key, jwk.RSAKey | jwk.ECKey):
        raise TypeError("the Digital Authentication App client key must be an RSA or EC JWK")
    return key


def relying_party(*, origin: str) -> RelyingParty:
    redirect_uri = origin + CALLBACK_PATH
    if settings.DIGITAL_AUTH_ISSUER:
        client = oidc.ClientConfig(
            client_id=settings.DIGITAL_AUTH_CLIENT_ID,
            redirect_uri=redirect_uri,
            private_key=_private_key(settings.DIGITAL_AUTH_PRIVATE_KEY_FILE),
        )
        return RelyingParty(_configured_metadata(settings.DIGITAL_AUTH_ISSUER), client, oidc.UrllibTransport())
    if not settings.TEST_RIG:
        raise AppError(
            "identity.digital_auth_unavailable",
            ja="デジタル認証アプリは利用できません。",
            en="The Digital Authentication App is not configured.",
        )
    from hiroba.identity import devprovider  # test rig only

    provider = devprovider.provider(origin=origin)
    client = oidc.ClientConfig(client_id=DEV_CLIENT_ID, redirect_uri=redirect_uri, private_key=devprovider.rp_key())
    metadata = oidc.ProviderMetadata.from_dict(
        provider.metadata(), expected_issuer=provider_issuer(origin), allow_insecure=True
    )
    return RelyingParty(metadata, client, devprovider.InProcessTransport(provider))


def provider_issuer(origin: str) -> str:
    return origin + "/dev/oidc"


def authorization_begin(*, origin: str, enroll: bool, ip: str) -> tuple[str, dict[str, Any]]:
    """The provider URL to send the browser to, and what to keep in the session until it comes back."""
    throttle_hit(IP_SIGN_IN, key=ip)
    rp = relying_party(origin=origin)
    scopes = oidc.ENROLLMENT_SCOPES if enroll else oidc.SIGN_IN_SCOPES
    url, pending = oidc.begin_authorization(rp.metadata, rp.client, scopes=scopes, now=int(time.time()))
    return url, pending.to_dict()


_OIDC_MESSAGES = {
    "oidc.state": (
        "サインインの途中で問題が起きました。もう一度やり直してください。",
        "The sign-in could not be matched to this browser. Please start again.",
    ),
    "oidc.provider_error": (
        "デジタル認証アプリでのサインインが完了しませんでした。",
        "Sign-in with the Digital Authentication App did not complete.",
    ),
}


def _refusal(error: oidc.OidcError) -> AppError:
    ja, en = _OIDC_MESSAGES.get(
        error.code,
        (
            "デジタル認証アプリからの応答を確認できませんでした。",
            "The answer from the Digital Authentication App could not be verified.",
        ),
    )
    return NotAuthenticated(error.code, ja=ja, en=en)


def authorization_complete(
    *, origin: str, pending: dict[str, Any] | None, callback: dict[str, str], ip: str
) -> oidc.IdTokenClaims:
    throttle_hit(IP_SIGN_IN, key=ip)
    if not pending:
        raise _refusal(oidc.OidcError("oidc.state", "no authorization in progress"))
    rp = relying_party(origin=origin)
    try:
        return oidc.complete_authorization(
            rp.metadata,
            rp.client,
            pending=oidc.PendingAuthorization.from_dict(pending),
            callback=callback,
            transport=rp.transport,
            now=int(time.time()),
        )
    except oidc.OidcError as error:
        audit_failure(reason=error.code, subject="oidc", step="digital_auth")
        raise _refusal(error) from error


def oidc_sign_in(*, claims: oidc.IdTokenClaims, channel: Channel = Channel.WEB) -> SignInOutcome:
    pending = PendingCredential(
        kind=CredentialKind.OIDC, lookup=lookup_hash("oidc", claims.issuer, claims.subject), not_after=None
    )
    binding = binding_by_lookup(lookup=pending.lookup)
    if binding is None:
        return SignInOutcome(user=None, pending=pending)
    credential_used(binding_id=binding.pk)
    record_sign_in(user=binding.person.user, method=binding.kind, channel=channel)
    return SignInOutcome(user=binding.person.user, pending=pending)


def oidc_enrollment_offer(*, claims: oidc.IdTokenClaims) -> EnrollmentOffer:
    """The basic facts came with the enrollment scopes; without them, enrollment must ask again."""
    if not (claims.name and claims.birthdate and claims.address):
        raise Invalid(
            "identity.facts_missing",
            ja="氏名・住所・生年月日の提供が必要です。",
            en="Your name, address and birth date are needed to register.",
        )
    try:
        birth = date.fromisoformat(claims.birthdate)
    except ValueError:
        raise Invalid(
            "identity.facts_missing", ja="生年月日を読み取れませんでした。", en="The birth date could not be read."
        ) from None
    return enrollment_offer(name=claims.name, birth_date=birth, address=claims.address)
