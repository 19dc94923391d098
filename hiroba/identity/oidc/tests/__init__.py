"""Shared set-up for the OpenID Connect tests: keys, a development provider, and a transport that routes to it.

`ProviderTransport` is not a mock: it hands each request to the real `DevProvider` in process, the way the Django
views will over HTTP, so the relying party is exercised against real signatures, codes and PKCE checks.
"""

from __future__ import annotations

import functools
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwk

from hiroba.identity.oidc import (
    ClientConfig,
    DevProvider,
    InMemoryCodeStore,
    OidcError,
    PendingAuthorization,
    ProviderMetadata,
    RegisteredClient,
    begin_authorization,
    client_jwks,
    discover,
)
from hiroba.identity.oidc.rp import b64url

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
ISSUER = "https://auth.example.test/realms/main"
CITY_A = "RP00000001"
CITY_B = "RP00000002"
REDIRECT_A = "https://saku.hiroba.example/identity/oidc/callback"
REDIRECT_B = "https://komoro.hiroba.example/identity/oidc/callback"
CARD_HOLDER = "card:0123456789abcdef"
FACTS: Mapping[str, str] = {
    "name": "佐久 花子",
    "address": "長野県佐久市中込3056番地",
    "birthdate": "1990-04-01",
    "gender": "female",
}


@functools.cache
def rsa_key(kid: str) -> jwk.RSAKey:
    """A 2048-bit RSA key per name, generated once per test run."""
    return jwk.RSAKey.generate_key(2048, parameters={"kid": kid})


@functools.cache
def ec_key(kid: str) -> jwk.ECKey:
    return jwk.ECKey.generate_key("P-256", parameters={"kid": kid})


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> tuple[str, bytes]:
    """A JWT assembled by hand, as an attacker would; returns it and its signing input."""
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    return signing_input + "." + b64url(signature), signing_input.encode()


def query(url: str) -> dict[str, str]:
    """A URL's query parameters; each name must appear once."""
    pairs = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    params = dict(pairs)
    assert len(params) == len(pairs), f"repeated parameter in {url}"
    return params


@dataclass
class ProviderTransport:
    """Routes the relying party's HTTP calls to a `DevProvider`, as the Django views will; records each call."""

    provider: DevProvider
    now: int = NOW
    calls: list[tuple[str, str]] = field(default_factory=list)

    def get_json(self, url: str) -> dict[str, Any]:
        self.calls.append(("GET", url))
        if url == self.provider.issuer + "/.well-known/openid-configuration":
            return self.provider.metadata()
        if url == self.provider.jwks_uri:
            return self.provider.jwks()
        raise OidcError("oidc.discovery", f"no route for GET {url}")

    def post_form(self, url: str, data: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        self.calls.append(("POST", url))
        if url != self.provider.token_endpoint:
            return 404, {"error": "not_found"}
        try:
            return 200, self.provider.token(data, now=self.now)
        except OidcError as exc:
            return (401 if exc.code == "invalid_client" else 400), {"error": exc.code}


@dataclass
class World:
    """One provider, two municipalities registered with it, and the relying party's view of the provider."""

    provider: DevProvider
    codes: InMemoryCodeStore
    transport: ProviderTransport
    metadata: ProviderMetadata
    city_a: ClientConfig
    city_b: ClientConfig


def make_world(*, now: int = NOW, code_ttl: int = 60, more_clients: tuple[ClientConfig, ...] = ()) -> World:
    city_a = ClientConfig(client_id=CITY_A, redirect_uri=REDIRECT_A, private_key=rsa_key("city-a"))
    city_b = ClientConfig(client_id=CITY_B, redirect_uri=REDIRECT_B, private_key=rsa_key("city-b"))
    codes = InMemoryCodeStore()
    provider = DevProvider(
        issuer=ISSUER,
        signing_key=rsa_key("provider"),
        clients={
            CITY_A: RegisteredClient(CITY_A, (REDIRECT_A,), client_jwks(city_a)),
            CITY_B: RegisteredClient(CITY_B, (REDIRECT_B,), client_jwks(city_b)),
            **{
                client.client_id: RegisteredClient(client.client_id, (client.redirect_uri,), client_jwks(client))
                for client in more_clients
            },
        },
        pairwise_secret=b"dev-only pairwise secret, 32 by.",
        codes=codes,
        code_ttl=code_ttl,
    )
    transport = ProviderTransport(provider, now=now)
    metadata = discover(ISSUER, transport=transport)
    transport.calls.clear()
    return World(provider, codes, transport, metadata, city_a, city_b)


def sign_in_at_provider(
    world: World,
    client: ClientConfig,
    *,
    scopes: tuple[str, ...],
    user_key: str = CARD_HOLDER,
    facts: Mapping[str, str] = FACTS,
    now: int = NOW,
) -> tuple[dict[str, str], PendingAuthorization]:
    """Browser leg: the relying party's redirect, the provider's checks, the card sign-in, the redirect back.

    Returns the callback's query parameters and what the relying party kept in the session.
    """
    url, pending = begin_authorization(world.metadata, client, scopes=scopes, now=now)
    assert url.startswith(world.provider.authorization_endpoint + "?")
    grant = world.provider.validate_authorization_request(query(url))
    code = world.provider.issue_code(grant, user_key=user_key, claims=facts, now=now)
    return query(world.provider.redirect_for(grant, code)), pending
