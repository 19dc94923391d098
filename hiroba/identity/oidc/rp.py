"""OpenID Connect relying party for the Digital Agency's Digital Authentication App (デジタル認証アプリ).

The app speaks plain OpenID Connect: the authorization-code flow with PKCE S256, `state` and `nonce` all required,
and `private_key_jwt` client authentication at the token endpoint. The ID token's `sub` is a pairwise identifier
(仮名識別子): a different value for each relying party, so it identifies the resident within Hiroba only.

The flow, as the Django layer drives it:

1. `begin_authorization` returns the URL to send the browser to and a `PendingAuthorization` to keep in the
   session (its `to_dict()` is JSON).
2. The provider redirects back; `complete_authorization` checks the callback against the pending authorization,
   redeems the code and validates the ID token. It returns `IdTokenClaims` or raises `OidcError`.

Nothing here touches Django, the clock or the network directly: the time comes in as `now`, HTTP goes through a
`Transport`. The JOSE helpers at the end of this module are shared with the development provider.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import secrets
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from joserfc import jwk, jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jws import JWSRegistry

from .errors import OidcError
from .transport import Transport

__all__ = [
    "CLIENT_ASSERTION_TYPE",
    "ENROLLMENT_SCOPES",
    "SIGN_IN_SCOPES",
    "ClientConfig",
    "IdTokenClaims",
    "PendingAuthorization",
    "ProviderMetadata",
    "begin_authorization",
    "client_assertion",
    "client_jwks",
    "complete_authorization",
    "discover",
    "s256_challenge",
    "validate_id_token",
]

#: Sign in only: the pairwise `sub`, nothing about the person.
SIGN_IN_SCOPES: tuple[str, ...] = ("openid",)
#: Enrolment: also the four basic facts (基本4情報) — name, address, date of birth and gender.
ENROLLMENT_SCOPES: tuple[str, ...] = ("openid", "name", "address", "birthdate", "gender")

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Seconds a client assertion stays valid; the token endpoint is called right after it is made.
CLIENT_ASSERTION_LIFETIME = 60
#: Seconds a browser may take between `begin_authorization` and the callback.
PENDING_MAX_AGE = 600

#: The only signature algorithms this package ever verifies: asymmetric ones. "none" and the HMAC family (HS*) are
#: absent on purpose — an HS256 token "signed" with a provider's public key would otherwise verify.
ASYMMETRIC_ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
_PUBLIC_MEMBERS: Mapping[str, tuple[str, ...]] = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}

#: Longest compact JWT accepted; an ID token with the four facts is around 2 KB.
MAX_JWT_LENGTH = 16 * 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6749 §3.3 scope-token


# --- provider metadata ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderMetadata:
    """The part of the provider's discovery document the relying party relies on, checked."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    id_token_signing_alg_values_supported: tuple[str, ...]

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, expected_issuer: str, allow_insecure: bool = False
    ) -> ProviderMetadata:
        """Check a discovery document: the issuer is exactly the one expected, every endpoint is https.

        `allow_insecure=True` also accepts http URLs; it is for the development provider on localhost only.
        """
        issuer = _metadata_str(data, "issuer")
        if issuer != expected_issuer:
            raise OidcError("oidc.discovery", "the metadata names another issuer than the one configured")
        _check_url(issuer, "issuer", allow_insecure=allow_insecure, allow_query=False)
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            endpoints[name] = _metadata_str(data, name)
            _check_url(endpoints[name], name, allow_insecure=allow_insecure, allow_query=True)
        userinfo = data.get("userinfo_endpoint")
        if userinfo is not None:
            if not isinstance(userinfo, str):
                raise OidcError("oidc.discovery", "userinfo_endpoint is not a string")
            _check_url(userinfo, "userinfo_endpoint", allow_insecure=allow_insecure, allow_query=True)
        algs = data.get("id_token_signing_alg_values_supported")
        if not isinstance(algs, list) or not algs or not all(isinstance(alg, str) for alg in algs):
            raise OidcError("oidc.discovery", "id_token_signing_alg_values_supported is not a list of names")
        return cls(
            issuer=issuer,
            authorization_endpoint=endpoints["authorization_endpoint"],
            token_endpoint=endpoints["token_endpoint"],
            jwks_uri=endpoints["jwks_uri"],
            userinfo_endpoint=userinfo,
            id_token_signing_alg_values_supported=tuple(algs),
        )


def discover(issuer: str, *, transport: Transport, allow_insecure: bool = False) -> ProviderMetadata:
    """Fetch and check `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4)."""
    _check_url(issuer, "issuer", allow_insecure=allow_insecure, allow_query=False)
    data = transport.get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    return ProviderMetadata.from_dict(data, expected_issuer=issuer, allow_insecure=allow_insecure)


def _metadata_str(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise OidcError("oidc.discovery", f"the metadata has no {name}")
    return value


def _check_url(url: str, name: str, *, allow_insecure: bool, allow_query: bool) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise OidcError("oidc.discovery", f"{name} is not a URL") from exc
    schemes = {"https", "http"} if allow_insecure else {"https"}
    if parts.scheme not in schemes:
        raise OidcError("oidc.discovery", f"{name} must be an https URL")
    if not parts.hostname or parts.username is not None or parts.fragment or (parts.query and not allow_query):
        raise OidcError("oidc.discovery", f"{name} is not an acceptable URL")


# --- client configuration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientConfig:
    """Hiroba as a registered client of the provider."""

    client_id: str
    redirect_uri: str
    #: Signs the client assertion (`private_key_jwt`); its public half is registered with the provider.
    private_key: jwk.RSAKey | jwk.ECKey = field(repr=False)
    signing_alg: str = "RS256"
    allowed_id_token_algs: tuple[str, ...] = ("RS256", "ES256", "PS256")
    #: Seconds of clock difference tolerated on `exp` and `iat`.
    leeway: int = 60

    def __post_init__(self) -> None:
        if not self.client_id or not self.redirect_uri:
            raise ValueError("client_id and redirect_uri are required")
        if not _key_fits(self.private_key, self.signing_alg):
            raise ValueError(f"the private key cannot sign {self.signing_alg}")
        if not self.private_key.is_private:
            raise ValueError("private_key must hold the private half")
        unsupported = [alg for alg in self.allowed_id_token_algs if alg not in ASYMMETRIC_ALGORITHMS]
        if unsupported or not self.allowed_id_token_algs:
            raise ValueError(f"only asymmetric ID token algorithms can be allowed, not {unsupported}")
        if not 0 <= self.leeway <= 300:  # noqa: PLR2004 -- five minutes is already generous
            raise ValueError("leeway must be between 0 and 300 seconds")


def client_jwks(client: ClientConfig) -> dict[str, Any]:
    """The public JWKS to register with the provider: the verification half of `client.private_key`."""
    public = cast("dict[str, Any]", dict(client.private_key.as_dict(private=False)))
    public["kid"] = key_id(client.private_key)
    public["use"] = "sig"
    public["alg"] = client.signing_alg
    return {"keys": [public]}


def client_assertion(client: ClientConfig, *, audience: str, now: int) -> str:
    """A `private_key_jwt` client assertion (RFC 7523 §3) for one call to the token endpoint at `audience`."""
    header = {"alg": client.signing_alg, "kid": key_id(client.private_key), "typ": "JWT"}
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": audience,
        "jti": secrets.token_urlsafe(24),
        "iat": now,
        "exp": now + CLIENT_ASSERTION_LIFETIME,
    }
    return jwt.encode(header, claims, client.private_key, algorithms=[client.signing_alg])


# --- the authorization request ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingAuthorization:
    """What the session keeps between the redirect to the provider and the callback. Secret: never put it in a URL."""

    state: str
    nonce: str
    code_verifier: str
    scopes: tuple[str, ...]
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "scopes": list(self.scopes),
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PendingAuthorization:
        """Rebuild from the session; anything malformed counts as a missing state (`oidc.state`)."""
        try:
            state, nonce, verifier = d["state"], d["nonce"], d["code_verifier"]
            scopes, created_at = d["scopes"], d["created_at"]
        except (KeyError, TypeError) as exc:
            raise OidcError("oidc.state", "the pending authorization in the session is incomplete") from exc
        strings_ok = all(isinstance(value, str) and value for value in (state, nonce, verifier))
        scopes_ok = isinstance(scopes, list | tuple) and all(isinstance(scope, str) for scope in scopes)
        time_ok = isinstance(created_at, int) and not isinstance(created_at, bool)
        if not (strings_ok and scopes_ok and time_ok):
            raise OidcError("oidc.state", "the pending authorization in the session is malformed")
        return cls(state=state, nonce=nonce, code_verifier=verifier, scopes=tuple(scopes), created_at=created_at)


def begin_authorization(
    metadata: ProviderMetadata,
    client: ClientConfig,
    *,
    scopes: Sequence[str],
    now: int,
    acr_values: str | None = None,
) -> tuple[str, PendingAuthorization]:
    """Start a sign-in: the provider URL to redirect the browser to, and what to keep in the session.

    `state` and `nonce` carry 256 random bits each; the PKCE verifier is 64 characters (RFC 7636 §4.1) and only its
    S256 challenge leaves the server.
    """
    requested = tuple(dict.fromkeys(scopes))
    if "openid" not in requested:
        raise ValueError("an OpenID Connect request must ask for the openid scope")
    if not all(_SCOPE_TOKEN.fullmatch(scope) for scope in requested):
        raise ValueError("a scope is not a valid scope token")
    pending = PendingAuthorization(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(48),
        scopes=requested,
        created_at=now,
    )
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "scope": " ".join(requested),
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": s256_challenge(pending.code_verifier),
        "code_challenge_method": "S256",
    }
    if acr_values:
        params["acr_values"] = acr_values
    return append_query(metadata.authorization_endpoint, params), pending


# --- the callback -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdTokenClaims:
    """A validated ID token. The four facts are present only when their scopes were granted."""

    #: `sub`: the provider's pairwise identifier (仮名識別子) for Hiroba; stable for one resident, opaque.
    subject: str
    issuer: str
    audience: tuple[str, ...]
    issued_at: int
    expires_at: int
    auth_time: int | None
    acr: str | None
    name: str | None
    #: The address as one string (the `formatted` member of the OIDC address claim).
    address: str | None
    #: "YYYY-MM-DD" as the provider sends it.
    birthdate: str | None
    gender: str | None
    raw: dict[str, Any]


def complete_authorization(
    metadata: ProviderMetadata,
    client: ClientConfig,
    *,
    pending: PendingAuthorization,
    callback: Mapping[str, str],
    transport: Transport,
    now: int,
    jwks: Mapping[str, Any] | None = None,
    max_age: int = PENDING_MAX_AGE,
) -> IdTokenClaims:
    """Finish a sign-in from the callback's query parameters. Raises `OidcError` on any refusal.

    The caller must drop `pending` from the session before calling, whatever the outcome: a state is used once.
    `jwks` lets the caller pass a cached key set; without it the keys are fetched from `metadata.jwks_uri`.
    """
    if "error" in callback:
        detail = _loggable(callback.get("error_description", ""))
        raise OidcError(
            "oidc.provider_error",
            f"the provider answered error={_loggable(callback['error'])}" + (f" ({detail})" if detail else ""),
        )
    received_state = callback.get("state")
    if not received_state or not hmac.compare_digest(_utf8(received_state), _utf8(pending.state)):
        raise OidcError("oidc.state", "the callback's state does not match the pending authorization")
    if not -client.leeway <= now - pending.created_at <= max_age:  # leeway: web servers' clocks may differ
        raise OidcError("oidc.state", "the pending authorization has expired")
    callback_issuer = callback.get("iss")
    if callback_issuer is not None and callback_issuer != metadata.issuer:
        # RFC 9207: a provider that names itself in the callback must be the one the request went to.
        raise OidcError("oidc.id_token_issuer", "the callback names another issuer")
    code = callback.get("code")
    if not code or len(code) > 2048:  # noqa: PLR2004 -- far above any real authorization code
        raise OidcError("oidc.missing_code", "the callback carries no authorization code")

    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": pending.code_verifier,
        "client_id": client.client_id,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(client, audience=metadata.token_endpoint, now=now),
    }
    status, body = transport.post_form(metadata.token_endpoint, form)
    if status != 200 or "error" in body:  # noqa: PLR2004 -- HTTP OK
        error = _loggable(str(body.get("error", "")))
        raise OidcError("oidc.token_endpoint", f"the token endpoint answered HTTP {status} error={error or '-'}")
    id_token = body.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("oidc.id_token_malformed", "the token response carries no id_token")
    keys = jwks if jwks is not None else transport.get_json(metadata.jwks_uri)
    return validate_id_token(id_token, metadata=metadata, client=client, jwks=keys, nonce=pending.nonce, now=now)


def validate_id_token(
    token: str,
    *,
    metadata: ProviderMetadata,
    client: ClientConfig,
    jwks: Mapping[str, Any],
    nonce: str,
    now: int,
) -> IdTokenClaims:
    """Validate an ID token per OpenID Connect Core §3.1.3.7 and return its claims.

    The algorithm must be allowed both by the client and by the provider's metadata (and is never "none" or HS*);
    the key is chosen from `jwks` by `kid` and key type; `iss`, `aud`/`azp`, `exp`, `iat` and `nonce` are checked.
    """
    allowed = [alg for alg in client.allowed_id_token_algs if alg in metadata.id_token_signing_alg_values_supported]
    _header, claims = verify_signed_jwt(token, jwks=jwks, allowed_algs=allowed, codes=_ID_TOKEN_CODES)

    if claims.get("iss") != metadata.issuer:
        raise OidcError("oidc.id_token_issuer", "the ID token was issued by another issuer")
    audience = _audience(claims.get("aud"))
    if audience is None:
        raise OidcError("oidc.id_token_malformed", "the ID token's aud is not a string or a list of strings")
    if client.client_id not in audience:
        raise OidcError("oidc.id_token_audience", "the ID token is not addressed to this client")
    azp = claims.get("azp")
    if (len(audience) > 1 or azp is not None) and azp != client.client_id:
        raise OidcError("oidc.id_token_audience", "the ID token's azp is not this client")

    expires_at = _numeric_date(claims, "exp")
    issued_at = _numeric_date(claims, "iat")
    if expires_at <= now - client.leeway:
        raise OidcError("oidc.id_token_expired", "the ID token has expired")
    if issued_at > now + client.leeway:
        raise OidcError("oidc.id_token_iat", "the ID token was issued in the future")

    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(_utf8(token_nonce), _utf8(nonce)):
        raise OidcError("oidc.id_token_nonce", "the ID token's nonce does not match the pending authorization")

    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:  # noqa: PLR2004 -- OIDC Core §2
        raise OidcError("oidc.id_token_malformed", "the ID token's sub is missing or too long")
    acr = _optional_str(claims, "acr")
    return IdTokenClaims(
        subject=subject,
        issuer=metadata.issuer,
        audience=audience,
        issued_at=issued_at,
        expires_at=expires_at,
        auth_time=_numeric_date(claims, "auth_time") if claims.get("auth_time") is not None else None,
        acr=acr,
        name=_optional_str(claims, "name"),
        address=_address(claims.get("address")),
        birthdate=_optional_str(claims, "birthdate"),
        gender=_optional_str(claims, "gender"),
        raw=claims,
    )


def _audience(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def _numeric_date(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OidcError("oidc.id_token_malformed", f"the ID token's {name} is not a NumericDate")
    return int(value)


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None or isinstance(value, str):
        return value
    raise OidcError("oidc.id_token_malformed", f"the ID token's {name} is not a string")


def _address(value: Any) -> str | None:
    """The formatted address of OIDC Core §5.1.1 (`{"formatted": ...}`).

    A bare string is tolerated too: the app's exact address format is not published.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("formatted"), str):
        return cast("str", value["formatted"])
    raise OidcError("oidc.id_token_malformed", "the ID token's address has no formatted string")


def _loggable(value: str, limit: int = 200) -> str:
    """Provider-supplied text for a log line: printable ASCII only, bounded."""
    return "".join(char if " " <= char <= "~" else "?" for char in value[:limit])


def _utf8(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


# --- JOSE helpers shared with the development provider ----------------------------------------------------------


def b64url(data: bytes) -> str:
    """BASE64URL without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256_challenge(verifier: str) -> str:
    """The PKCE S256 code challenge: BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2)."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def is_pkce_verifier(value: str) -> bool:
    """43 to 128 unreserved characters (RFC 7636 §4.1)."""
    return _PKCE_VERIFIER.fullmatch(value) is not None


def append_query(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to whatever query it already has; spaces as %20."""
    parts = urllib.parse.urlsplit(url)
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    pairs.extend(params.items())
    query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def key_id(key: jwk.RSAKey | jwk.ECKey) -> str:
    """The key's `kid`, or its RFC 7638 thumbprint when it has none."""
    return key.kid or key.thumbprint()


def _key_fits(key: jwk.RSAKey | jwk.ECKey, alg: str) -> bool:
    family = ASYMMETRIC_ALGORITHMS.get(alg)
    if family is None:
        return False
    kty, curve = family
    return key.key_type == kty and (curve is None or key.get("crv") == curve)


@dataclass(frozen=True)
class JwtFailureCodes:
    """Which `OidcError` code each kind of JWT failure becomes for the caller."""

    malformed: str
    algorithm: str
    signature: str


_ID_TOKEN_CODES = JwtFailureCodes(
    malformed="oidc.id_token_malformed", algorithm="oidc.id_token_algorithm", signature="oidc.id_token_signature"
)


def _b64url_decode(segment: str) -> bytes:
    if not _B64URL.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def verify_signed_jwt(
    token: str, *, jwks: Mapping[str, Any], allowed_algs: Iterable[str], codes: JwtFailureCodes
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS against a public JWKS and return (header, claims). Claims are not checked here.

    The key is chosen by the header's `kid` among the keys whose type (and curve) fits the algorithm; only the
    public members of each JWK are imported. Header members such as `jku`, `jwk` or `x5u` are never followed.
    """
    if not isinstance(token, str) or len(token) > MAX_JWT_LENGTH:
        raise OidcError(codes.malformed, "the JWT is not a string of acceptable length")
    segments = token.split(".")
    if len(segments) != 3:  # noqa: PLR2004 -- header, payload, signature
        raise OidcError(codes.malformed, "the JWT is not in compact serialization")
    try:
        header = _json_object(_b64url_decode(segments[0]))
    except (ValueError, TypeError, RecursionError, binascii.Error) as exc:
        raise OidcError(codes.malformed, "the JWT header is not base64url JSON") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in set(allowed_algs) or alg not in ASYMMETRIC_ALGORITHMS:
        raise OidcError(codes.algorithm, f"the JWT algorithm {_loggable(str(alg), 20)} is not allowed")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise OidcError(codes.malformed, "the JWT header's kid is not a string")
    if not segments[2]:
        raise OidcError(codes.signature, "the JWT carries no signature")

    registry = JWSRegistry(algorithms=[alg], strict_check_header=False)
    for key in _candidate_keys(jwks, alg=alg, kid=kid):
        try:
            verified = jws.deserialize_compact(token, key, registry=registry)
        except BadSignatureError:
            continue
        except JoseError as exc:
            raise OidcError(codes.malformed, f"the JWT could not be read: {type(exc).__name__}") from exc
        try:
            return header, _json_object(verified.payload)
        except (ValueError, TypeError, RecursionError) as exc:
            raise OidcError(codes.malformed, "the JWT payload is not a JSON object") from exc
    raise OidcError(codes.signature, "no key of the JWKS verifies the JWT signature")


def _candidate_keys(jwks: Mapping[str, Any], *, alg: str, kid: str | None) -> list[jwk.RSAKey | jwk.ECKey]:
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list):
        return []
    kty, curve = ASYMMETRIC_ALGORITHMS[alg]
    keys: list[jwk.RSAKey | jwk.ECKey] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("kty") != kty:
            continue
        if (kid is not None and entry.get("kid") != kid) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", alg) != alg or (curve is not None and entry.get("crv") != curve):
            continue
        operations = entry.get("key_ops")
        if isinstance(operations, list) and "verify" not in operations:
            continue
        public = {name: entry[name] for name in _PUBLIC_MEMBERS[kty] if name in entry}
        try:
            key: jwk.RSAKey | jwk.ECKey = (
                jwk.RSAKey.import_key(public) if kty == "RSA" else jwk.ECKey.import_key(public)
            )
        except (JoseError, ValueError, TypeError, KeyError):
            continue
        keys.append(key)
    return keys
