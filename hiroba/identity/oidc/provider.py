"""The core of a development-only OpenID Provider that behaves like the Digital Authentication App.

Never used in production. It lets tests and the demo run the whole sign-in without the Digital Agency's sandbox:
the same rules as the app (authorization-code flow only, PKCE S256, `state` and `nonce` required,
`private_key_jwt` client authentication, a pairwise `sub` per relying party, the four facts behind their scopes)
so that a relying party that works here is held to the same standard it will meet in production.

No HTTP here: the Django layer maps requests to the methods —

* GET  `{issuer}/.well-known/openid-configuration` → `metadata()`
* GET  `{issuer}/jwks` → `jwks()`
* GET  `{issuer}/authorize` → `validate_authorization_request(query)`, then the user "signs in" with a test card and
  `issue_code(...)`, then redirect to `redirect_for(grant, code)`
* POST `{issuer}/token` → `token(form, now=...)`; an `OidcError` becomes `{"error": err.code}` with HTTP 400
  (401 for `invalid_client`)
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from joserfc import jwk, jwt

from .errors import OidcError
from .rp import (
    CLIENT_ASSERTION_TYPE,
    JwtFailureCodes,
    append_query,
    is_pkce_verifier,
    key_id,
    s256_challenge,
    verify_signed_jwt,
)

__all__ = [
    "FACT_SCOPES",
    "SUPPORTED_SCOPES",
    "AuthorizationGrant",
    "CodeStore",
    "DevProvider",
    "InMemoryCodeStore",
    "RegisteredClient",
]

#: The scopes that release one of the four basic facts (基本4情報), each releasing the claim of the same name.
FACT_SCOPES: tuple[str, ...] = ("name", "address", "birthdate", "gender")
SUPPORTED_SCOPES: tuple[str, ...] = ("openid", *FACT_SCOPES)
#: What the app reports as the authentication level of a card sign-in.
ACR = "aal3"
SIGNING_ALG = "RS256"
CLIENT_ASSERTION_ALGS: tuple[str, ...] = ("RS256", "PS256", "ES256")
#: A client assertion may not be valid for longer than this (seconds); it bounds how long its `jti` is remembered.
MAX_ASSERTION_LIFETIME = 600
#: Clock difference tolerated on a client assertion's `iat` and in remembering its `jti`.
ASSERTION_LEEWAY = 60

_VSCHAR_1_255 = re.compile(r"[\x20-\x7e]{1,255}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE_KEY = "code:"
_JTI_KEY = "jti:"
_ASSERTION_CODES = JwtFailureCodes(malformed="invalid_client", algorithm="invalid_client", signature="invalid_client")


@dataclass
class RegisteredClient:
    """A relying party known to the provider."""

    client_id: str
    #: Compared exactly, character for character.
    redirect_uris: tuple[str, ...]
    #: The client's public keys; its client assertions must verify against one of them.
    jwks: dict[str, Any]


@dataclass(frozen=True)
class AuthorizationGrant:
    """A validated authorization request, waiting for the user to sign in. JSON-serialisable via `to_dict`."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    nonce: str
    code_challenge: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scopes": list(self.scopes),
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuthorizationGrant:
        """Rebuild a grant kept in a session or a code record; anything malformed is `invalid_request`."""
        names = ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
        values = [d.get(name) for name in names] if isinstance(d, Mapping) else [None]
        scopes = d.get("scopes") if isinstance(d, Mapping) else None
        if not all(isinstance(value, str) and value for value in values) or not (
            isinstance(scopes, list | tuple) and all(isinstance(scope, str) for scope in scopes)
        ):
            raise OidcError("invalid_request", "the stored authorization request is malformed")
        client_id, redirect_uri, state, nonce, challenge = cast("list[str]", values)
        return cls(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=tuple(scopes),
            state=state,
            nonce=nonce,
            code_challenge=challenge,
        )


class CodeStore(Protocol):
    """Short-lived single-use records: authorization codes, and the `jti` of client assertions already seen.

    Keys are namespaced by the provider (`code:...`, `jti:...`); records are JSON-serialisable dicts.
    """

    def put(self, code: str, record: dict[str, Any], *, ttl: int) -> None:
        """Keep `record` under `code` for `ttl` seconds."""
        ...

    def take(self, code: str) -> dict[str, Any] | None:
        """Return the record and remove it (single use); None when unknown or expired."""
        ...


class InMemoryCodeStore:
    """A thread-safe `CodeStore` in process memory, for tests and a single-process demo."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, tuple[float, dict[str, Any]]] = {}

    def put(self, code: str, record: dict[str, Any], *, ttl: int) -> None:
        with self._lock:
            now = self._clock()
            for key in [key for key, (expires, _record) in self._records.items() if expires <= now]:
                del self._records[key]
            self._records[code] = (now + ttl, copy.deepcopy(record))

    def take(self, code: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._records.pop(code, None)
            if entry is None or entry[0] <= self._clock():
                return None
            return entry[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


class DevProvider:
    """The provider's logic. Time comes in as `now` (unix seconds); every refusal is an `OidcError` with an OAuth code.

    Refusals of the authorization request are raised, never redirected: the Django layer shows them as an error
    page (sending an error to an unverified `redirect_uri` would make the provider an open redirector).
    """

    def __init__(
        self,
        *,
        issuer: str,
        signing_key: jwk.RSAKey,
        clients: Mapping[str, RegisteredClient],
        pairwise_secret: bytes,
        codes: CodeStore,
        code_ttl: int = 60,
        token_ttl: int = 300,
    ) -> None:
        if not signing_key.is_private:
            raise ValueError("the signing key must hold the private half")
        if len(pairwise_secret) < 16:  # noqa: PLR2004 -- 128 bits
            raise ValueError("the pairwise secret must be at least 16 bytes")
        if code_ttl <= 0 or token_ttl <= 0:
            raise ValueError("lifetimes must be positive")
        for client_id, client in clients.items():
            if client.client_id != client_id:
                raise ValueError(f"client {client_id!r} is registered under another id")
        self.issuer = issuer
        base = issuer.rstrip("/")
        self.authorization_endpoint = f"{base}/authorize"
        self.token_endpoint = f"{base}/token"
        self.jwks_uri = f"{base}/jwks"
        self.code_ttl = code_ttl
        self.token_ttl = token_ttl
        self._signing_key = signing_key
        self._kid = key_id(signing_key)
        self._clients = dict(clients)
        self._pairwise_secret = pairwise_secret
        self._codes = codes

    # --- published documents ----------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The discovery document (`/.well-known/openid-configuration`)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "jwks_uri": self.jwks_uri,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(CLIENT_ASSERTION_ALGS),
            "id_token_signing_alg_values_supported": [SIGNING_ALG],
            "subject_types_supported": ["pairwise"],
            "scopes_supported": list(SUPPORTED_SCOPES),
            "acr_values_supported": [ACR],
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "azp",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "acr",
                *FACT_SCOPES,
            ],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }

    def jwks(self) -> dict[str, Any]:
        """The public key set (`/jwks`): the verification half of the signing key only."""
        public = cast("dict[str, Any]", dict(self._signing_key.as_dict(private=False)))
        public.update(kid=self._kid, use="sig", alg=SIGNING_ALG)
        return {"keys": [public]}

    # --- authorization endpoint -------------------------------------------------------------------------------

    def validate_authorization_request(self, params: Mapping[str, str]) -> AuthorizationGrant:
        """Check an authorization request's query parameters as the app does; return the grant to keep meanwhile."""
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            raise OidcError("invalid_client", "unknown client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise OidcError("invalid_request", "redirect_uri is not registered for this client")
        response_type = params.get("response_type")
        if not response_type:
            raise OidcError("invalid_request", "response_type is required")
        if response_type != "code":
            raise OidcError("unsupported_response_type", "only response_type=code is supported")
        scopes = tuple(dict.fromkeys(scope for scope in params.get("scope", "").split(" ") if scope))
        if "openid" not in scopes:
            raise OidcError("invalid_scope", "the openid scope is required")
        if any(scope not in SUPPORTED_SCOPES for scope in scopes):
            raise OidcError("invalid_scope", "a requested scope is not supported")
        for name in ("state", "nonce"):
            if not _VSCHAR_1_255.fullmatch(params.get(name, "")):
                raise OidcError("invalid_request", f"{name} is required: 1 to 255 printable ASCII characters")
        if params.get("code_challenge_method") != "S256":
            raise OidcError("invalid_request", "PKCE is required with code_challenge_method=S256")
        challenge = params.get("code_challenge", "")
        if not _S256_CHALLENGE.fullmatch(challenge):
            raise OidcError("invalid_request", "code_challenge must be an S256 challenge (43 base64url characters)")
        return AuthorizationGrant(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=params["state"],
            nonce=params["nonce"],
            code_challenge=challenge,
        )

    def issue_code(self, grant: AuthorizationGrant, *, user_key: str, claims: Mapping[str, str], now: int) -> str:
        """After the card holder signed in: a single-use code for the grant.

        `user_key` identifies the card holder stably (the Django layer derives it from the test card); it never
        leaves the provider — the relying party sees only `pairwise_subject(...)`. Of `claims`, only the facts whose
        scope was granted are released.
        """
        client = self._clients.get(grant.client_id)
        if client is None or grant.redirect_uri not in client.redirect_uris:
            raise OidcError("invalid_request", "the grant's client or redirect_uri is no longer registered")
        if not user_key:
            raise ValueError("user_key is required")
        released: dict[str, str] = {}
        for name in FACT_SCOPES:
            value = claims.get(name)
            if name in grant.scopes and value:
                if not isinstance(value, str):
                    raise TypeError(f"claim {name} must be a string")
                if name == "birthdate" and not _ISO_DATE.fullmatch(value):
                    raise ValueError("birthdate must be YYYY-MM-DD")
                released[name] = value
        code = secrets.token_urlsafe(32)
        record = {
            "grant": grant.to_dict(),
            "subject": self.pairwise_subject(client_id=grant.client_id, user_key=user_key),
            "claims": released,
            "auth_time": now,
            "expires_at": now + self.code_ttl,
        }
        self._codes.put(_CODE_KEY + code, record, ttl=self.code_ttl)
        return code

    def redirect_for(self, grant: AuthorizationGrant, code: str) -> str:
        """Where to send the browser back: `redirect_uri?code=...&state=...`."""
        return append_query(grant.redirect_uri, {"code": code, "state": grant.state})

    # --- token endpoint ---------------------------------------------------------------------------------------

    def token(self, form: Mapping[str, str], *, now: int) -> dict[str, Any]:
        """Redeem a code: authenticate the client, check the code, its redirect_uri and PKCE; issue the ID token."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OidcError("invalid_request", "grant_type is required")
        if grant_type != "authorization_code":
            raise OidcError("unsupported_grant_type", "only the authorization_code grant is supported")
        client = self._authenticate_client(form, now=now)

        code = form.get("code")
        if not code:
            raise OidcError("invalid_request", "code is required")
        # Taken before any further check: a code presented once is spent, whatever happens next.
        record = self._codes.take(_CODE_KEY + code)
        if record is None:
            raise OidcError("invalid_grant", "the code is unknown, expired or already used")
        grant = AuthorizationGrant.from_dict(record.get("grant", {}))
        expires_at, subject, released = record.get("expires_at"), record.get("subject"), record.get("claims")
        if not isinstance(expires_at, int) or not isinstance(subject, str) or not isinstance(released, dict):
            raise OidcError("invalid_grant", "the code record is malformed")
        if grant.client_id != client.client_id:
            raise OidcError("invalid_grant", "the code was issued to another client")
        if expires_at <= now:
            raise OidcError("invalid_grant", "the code has expired")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OidcError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = form.get("code_verifier")
        if not verifier or not is_pkce_verifier(verifier):
            raise OidcError("invalid_grant", "a PKCE code_verifier is required")
        if not hmac.compare_digest(s256_challenge(verifier), grant.code_challenge):
            raise OidcError("invalid_grant", "the code_verifier does not match the code_challenge")

        auth_time = record.get("auth_time")
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": client.client_id,
            "azp": client.client_id,
            "exp": now + self.token_ttl,
            "iat": now,
            "auth_time": auth_time if isinstance(auth_time, int) else now,
            "nonce": grant.nonce,
            "acr": ACR,
        }
        for name, value in released.items():
            claims[name] = {"formatted": value} if name == "address" else value
        header = {"alg": SIGNING_ALG, "kid": self._kid, "typ": "JWT"}
        id_token = jwt.encode(header, claims, self._signing_key, algorithms=[SIGNING_ALG])
        return {
            # Opaque and not redeemable anywhere: this provider has no userinfo endpoint.
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "scope": " ".join(grant.scopes),
            "id_token": id_token,
        }

    def _authenticate_client(self, form: Mapping[str, str], *, now: int) -> RegisteredClient:
        """`private_key_jwt` (OIDC Core §9, RFC 7523 §3): a fresh assertion signed by one of the client's keys."""
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise OidcError("invalid_client", "client authentication must be private_key_jwt")
        assertion = form.get("client_assertion", "")
        claimed = _unverified_issuer(assertion)
        if claimed is None or form.get("client_id", claimed) != claimed:
            raise OidcError("invalid_client", "the client assertion does not name the client")
        client = self._clients.get(claimed)
        if client is None:
            raise OidcError("invalid_client", "unknown client")
        _header, claims = verify_signed_jwt(
            assertion, jwks=client.jwks, allowed_algs=CLIENT_ASSERTION_ALGS, codes=_ASSERTION_CODES
        )
        if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
            raise OidcError("invalid_client", "the client assertion's iss and sub must be the client_id")
        audience = claims.get("aud")
        if not (audience == self.token_endpoint or (isinstance(audience, list) and self.token_endpoint in audience)):
            raise OidcError("invalid_client", "the client assertion is not addressed to the token endpoint")
        expires_at, issued_at, jti = claims.get("exp"), claims.get("iat"), claims.get("jti")
        if not isinstance(expires_at, int) or isinstance(expires_at, bool) or expires_at <= now:
            raise OidcError("invalid_client", "the client assertion has expired or has no exp")
        if expires_at > now + MAX_ASSERTION_LIFETIME:
            raise OidcError("invalid_client", "the client assertion is valid for too long")
        if issued_at is not None and (not isinstance(issued_at, int) or issued_at > now + ASSERTION_LEEWAY):
            raise OidcError("invalid_client", "the client assertion's iat is in the future")
        if not isinstance(jti, str) or not 1 <= len(jti) <= 255:  # noqa: PLR2004 -- a sane bound on an identifier
            raise OidcError("invalid_client", "the client assertion has no jti")
        self._remember_jti(client.client_id, jti, expires_at=expires_at, now=now)
        return client

    def _remember_jti(self, client_id: str, jti: str, *, expires_at: int, now: int) -> None:
        """Refuse an assertion seen before (RFC 7523 §3 item 7). Check-then-put: good enough for a dev provider."""
        key = _JTI_KEY + hashlib.sha256(f"{client_id}\x00{jti}".encode()).hexdigest()
        ttl = expires_at - now + ASSERTION_LEEWAY
        seen = self._codes.take(key)
        self._codes.put(key, {"client_id": client_id}, ttl=ttl)
        if seen is not None:
            raise OidcError("invalid_client", "the client assertion's jti was already used")

    # --- identifiers ------------------------------------------------------------------------------------------

    def pairwise_subject(self, *, client_id: str, user_key: str) -> str:
        """The `sub` a relying party sees: HMAC-SHA256(secret, client_id || 0x00 || user_key), base64url.

        Different for every client, stable for one card holder, and not reversible without the secret.
        """
        message = client_id.encode("utf-8") + b"\x00" + user_key.encode("utf-8")
        digest = hmac.new(self._pairwise_secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _unverified_issuer(assertion: str) -> str | None:
    """The `iss` an assertion claims, read before verification only to pick the keys to verify it with."""
    segments = assertion.split(".")
    if len(segments) != 3 or len(assertion) > 16 * 1024:  # noqa: PLR2004 -- a compact JWS; a sane size bound
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(segments[1] + "=" * (-len(segments[1]) % 4)))
    except (ValueError, RecursionError, binascii.Error):
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) and issuer else None
