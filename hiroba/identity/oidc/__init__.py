"""OpenID Connect for the Digital Authentication App (デジタル認証アプリ), free of Django.

* `rp`: the relying party Hiroba runs in production — discovery, the authorization request with PKCE S256, the
  `private_key_jwt` code exchange and ID token validation.
* `provider`: a development-only provider that behaves like the app, for tests and the demo.
* `transport`: the HTTP seam between the two, and its standard-library implementation.
"""

from __future__ import annotations

from .errors import OidcError
from .provider import (
    AuthorizationGrant,
    CodeStore,
    DevProvider,
    InMemoryCodeStore,
    RegisteredClient,
)
from .rp import (
    ENROLLMENT_SCOPES,
    SIGN_IN_SCOPES,
    ClientConfig,
    IdTokenClaims,
    PendingAuthorization,
    ProviderMetadata,
    begin_authorization,
    client_assertion,
    client_jwks,
    complete_authorization,
    discover,
    s256_challenge,
    validate_id_token,
)
from .transport import Transport, UrllibTransport

__all__ = [
    "ENROLLMENT_SCOPES",
    "SIGN_IN_SCOPES",
    "AuthorizationGrant",
    "ClientConfig",
    "CodeStore",
    "DevProvider",
    "IdTokenClaims",
    "InMemoryCodeStore",
    "OidcError",
    "PendingAuthorization",
    "ProviderMetadata",
    "RegisteredClient",
    "Transport",
    "UrllibTransport",
    "begin_authorization",
    "client_assertion",
    "client_jwks",
    "complete_authorization",
    "discover",
    "s256_challenge",
    "validate_id_token",
]
