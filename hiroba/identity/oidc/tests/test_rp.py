"""The relying party's own steps: discovery, the authorization request, the callback checks, the client assertion."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jwk, jwt

from hiroba.identity.oidc import (
    ENROLLMENT_SCOPES,
    SIGN_IN_SCOPES,
    ClientConfig,
    OidcError,
    PendingAuthorization,
    ProviderMetadata,
    begin_authorization,
    client_assertion,
    client_jwks,
    complete_authorization,
    discover,
    s256_challenge,
)
from hiroba.identity.oidc.tests import (
    CITY_A,
    ISSUER,
    NOW,
    REDIRECT_A,
    ProviderTransport,
    World,
    ec_key,
    make_world,
    query,
    rsa_key,
    sign_in_at_provider,
)

RFC7636_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def independent_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


# --- the authorization request -----------------------------------------------------------------------------------


def test_the_authorization_url_carries_every_required_parameter() -> None:
    world = make_world()
    url, pending = begin_authorization(world.metadata, world.city_a, scopes=ENROLLMENT_SCOPES, now=NOW)
    params = query(url)
    assert url.startswith(ISSUER + "/authorize?")
    assert params == {
        "response_type": "code",
        "client_id": CITY_A,
        "redirect_uri": REDIRECT_A,
        "scope": "openid name address birthdate gender",
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": independent_challenge(pending.code_verifier),
        "code_challenge_method": "S256",
    }
    assert "%20" in url  # scope separator encoded as a space, not "+"
    assert pending.code_verifier not in url
    assert len(pending.state) >= 22  # at least 128 bits of base64url
    assert len(pending.nonce) >= 22
    assert pending.state != pending.nonce
    assert (pending.scopes, pending.created_at) == (ENROLLMENT_SCOPES, NOW)


def test_the_rfc7636_example_challenge() -> None:
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


@given(
    scopes=st.lists(st.sampled_from(ENROLLMENT_SCOPES[1:]), unique=True).map(lambda rest: ("openid", *rest)),
    now=st.integers(min_value=0, max_value=2**40),
    acr=st.one_of(st.none(), st.sampled_from(["aal3", "aal3 crl"])),
)
def test_every_generated_verifier_matches_the_challenge_sent(
    scopes: tuple[str, ...], now: int, acr: str | None
) -> None:
    url, pending = begin_authorization(METADATA, CLIENT, scopes=scopes, now=now, acr_values=acr)
    params = query(url)
    assert RFC7636_VERIFIER.fullmatch(pending.code_verifier)
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == independent_challenge(pending.code_verifier)
    assert params["scope"].split(" ") == list(scopes)
    assert params.get("acr_values") == acr


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=43, max_size=128)
)
def test_the_challenge_is_base64url_of_sha256_for_any_rfc7636_verifier(verifier: str) -> None:
    challenge = s256_challenge(verifier)
    assert challenge == independent_challenge(verifier)
    assert len(challenge) == 43
    assert "=" not in challenge


METADATA = ProviderMetadata(
    issuer=ISSUER,
    authorization_endpoint=ISSUER + "/authorize",
    token_endpoint=ISSUER + "/token",
    jwks_uri=ISSUER + "/jwks",
    userinfo_endpoint=None,
    id_token_signing_alg_values_supported=("RS256",),
)
CLIENT = ClientConfig(client_id=CITY_A, redirect_uri=REDIRECT_A, private_key=rsa_key("city-a"))


def test_each_authorization_gets_fresh_secrets() -> None:
    pendings = [begin_authorization(METADATA, CLIENT, scopes=SIGN_IN_SCOPES, now=NOW)[1] for _ in range(20)]
    for name in ("state", "nonce", "code_verifier"):
        assert len({getattr(pending, name) for pending in pendings}) == 20


def test_an_existing_query_on_the_authorization_endpoint_is_kept() -> None:
    metadata = replace(METADATA, authorization_endpoint=ISSUER + "/authorize?kc_idp_hint=myna")
    url, _ = begin_authorization(metadata, CLIENT, scopes=SIGN_IN_SCOPES, now=NOW)
    assert query(url)["kc_idp_hint"] == "myna"
    assert query(url)["response_type"] == "code"


@pytest.mark.parametrize("scopes", [(), ("name",), ("openid", "bad scope")])
def test_a_request_needs_the_openid_scope_and_valid_scopes(scopes: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="scope"):
        begin_authorization(METADATA, CLIENT, scopes=scopes, now=NOW)


# --- the callback ------------------------------------------------------------------------------------------------


def complete(world: World, callback: dict[str, str], pending: PendingAuthorization, *, now: int = NOW) -> Any:
    return complete_authorization(
        world.metadata, world.city_a, pending=pending, callback=callback, transport=world.transport, now=now
    )


def refusal(world: World, callback: dict[str, str], pending: PendingAuthorization, *, now: int = NOW) -> str:
    with pytest.raises(OidcError) as caught:
        complete(world, callback, pending, now=now)
    return caught.value.code


@pytest.mark.parametrize(
    "state",
    [None, "", "forged-state-value", "x"],
)
def test_a_missing_or_mismatched_state_is_refused_before_the_code_is_redeemed(state: str | None) -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    callback = {**callback, "state": state} if state is not None else {"code": callback["code"]}
    assert refusal(world, callback, pending) == "oidc.state"
    assert world.transport.calls == []


def test_an_error_in_the_callback_is_reported() -> None:
    world = make_world()
    _, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    callback = {"error": "access_denied", "error_description": "利用者が中止\r\nFAKE LOG LINE", "state": pending.state}
    with pytest.raises(OidcError) as caught:
        complete(world, callback, pending)
    assert caught.value.code == "oidc.provider_error"
    assert "access_denied" in caught.value.message
    assert "\n" not in caught.value.message
    assert world.transport.calls == []


def test_a_callback_without_a_code_is_refused() -> None:
    world = make_world()
    _, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    assert refusal(world, {"state": pending.state}, pending) == "oidc.missing_code"
    assert refusal(world, {"state": pending.state, "code": ""}, pending) == "oidc.missing_code"


def test_a_stale_pending_authorization_is_refused() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    assert refusal(world, callback, pending, now=NOW + 601) == "oidc.state"
    assert refusal(world, callback, pending, now=NOW - 61) == "oidc.state"
    assert world.transport.calls == []


def test_a_callback_naming_another_issuer_is_refused() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    assert refusal(world, {**callback, "iss": "https://other.example"}, pending) == "oidc.id_token_issuer"
    assert complete(world, {**callback, "iss": ISSUER}, pending).subject


def test_a_token_endpoint_error_is_reported() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    complete(world, callback, pending)
    assert refusal(world, callback, pending) == "oidc.token_endpoint"  # the code is spent


def test_a_pkce_verifier_that_does_not_match_fails_at_the_token_endpoint() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    tampered = replace(pending, code_verifier="v" * 64)
    assert refusal(world, callback, tampered) == "oidc.token_endpoint"


def test_an_id_token_minted_for_another_nonce_is_refused() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    assert refusal(world, callback, replace(pending, nonce="another")) == "oidc.id_token_nonce"


class WithoutIdToken(ProviderTransport):
    def post_form(self, url: str, data: Any) -> tuple[int, dict[str, Any]]:
        status, body = super().post_form(url, data)
        body.pop("id_token", None)
        return status, body


def test_a_token_response_without_an_id_token_is_refused() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    with pytest.raises(OidcError) as caught:
        complete_authorization(
            world.metadata,
            world.city_a,
            pending=pending,
            callback=callback,
            transport=WithoutIdToken(world.provider),
            now=NOW,
        )
    assert caught.value.code == "oidc.id_token_malformed"


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"state": "s", "nonce": "n", "code_verifier": "v", "scopes": ["openid"]},
        {"state": 1, "nonce": "n", "code_verifier": "v", "scopes": ["openid"], "created_at": NOW},
        {"state": "s", "nonce": "n", "code_verifier": "v", "scopes": "openid", "created_at": NOW},
        {"state": "s", "nonce": "n", "code_verifier": "v", "scopes": ["openid"], "created_at": "today"},
    ],
)
def test_a_malformed_pending_authorization_counts_as_a_missing_state(stored: dict[str, Any]) -> None:
    with pytest.raises(OidcError) as caught:
        PendingAuthorization.from_dict(stored)
    assert caught.value.code == "oidc.state"


# --- client authentication ---------------------------------------------------------------------------------------


def test_the_client_assertion_is_a_short_lived_jwt_addressed_to_the_token_endpoint() -> None:
    first = client_assertion(CLIENT, audience=METADATA.token_endpoint, now=NOW)
    second = client_assertion(CLIENT, audience=METADATA.token_endpoint, now=NOW)
    public = jwk.KeySet.import_key_set(client_jwks(CLIENT))  # type: ignore[arg-type]
    token = jwt.decode(first, public, algorithms=["RS256"])
    assert token.header["kid"] == "city-a"
    assert token.claims["iss"] == token.claims["sub"] == CITY_A
    assert token.claims["aud"] == METADATA.token_endpoint
    assert (token.claims["iat"], token.claims["exp"]) == (NOW, NOW + 60)
    assert token.claims["jti"] != jwt.decode(second, public, algorithms=["RS256"]).claims["jti"]


def test_the_registered_jwks_is_public_only() -> None:
    (key,) = client_jwks(CLIENT)["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}
    ec = ClientConfig(client_id="RP3", redirect_uri=REDIRECT_A, private_key=ec_key("city-c"), signing_alg="ES256")
    (ec_public,) = client_jwks(ec)["keys"]
    assert set(ec_public) == {"kty", "crv", "x", "y", "kid", "use", "alg"}


@pytest.mark.parametrize(
    "changes",
    [
        {"allowed_id_token_algs": ("RS256", "HS256")},
        {"allowed_id_token_algs": ("none",)},
        {"allowed_id_token_algs": ()},
        {"signing_alg": "ES256"},  # an RSA key cannot sign ES256
        {"signing_alg": "HS256"},
        {"leeway": -1},
        {"client_id": ""},
    ],
)
def test_a_client_configuration_that_would_weaken_validation_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 -- each case has its own message
        replace(CLIENT, **changes)


def test_a_client_needs_its_private_key() -> None:
    public_only = jwk.RSAKey.import_key(rsa_key("city-a").as_dict(private=False))
    with pytest.raises(ValueError, match="private"):
        ClientConfig(client_id=CITY_A, redirect_uri=REDIRECT_A, private_key=public_only)


# --- discovery ---------------------------------------------------------------------------------------------------


def good_metadata(**changes: Any) -> dict[str, Any]:
    """The development provider's discovery document with `changes` (None removes a member)."""
    data = {**make_world().provider.metadata(), **changes}
    return {name: value for name, value in data.items() if value is not None}


def test_discovery_reads_the_well_known_document() -> None:
    world = make_world()
    metadata = discover(ISSUER, transport=world.transport)
    assert world.transport.calls == [("GET", ISSUER + "/.well-known/openid-configuration")]
    assert metadata.token_endpoint == ISSUER + "/token"
    assert metadata.jwks_uri == ISSUER + "/jwks"
    assert metadata.userinfo_endpoint is None
    assert metadata.id_token_signing_alg_values_supported == ("RS256",)


def test_an_issuer_mismatch_is_refused() -> None:
    with pytest.raises(OidcError) as caught:
        ProviderMetadata.from_dict(
            good_metadata(issuer="https://auth.example.test/realms/other"), expected_issuer=ISSUER
        )
    assert caught.value.code == "oidc.discovery"


def test_discovery_refuses_a_provider_that_names_another_issuer() -> None:
    world = make_world()
    with pytest.raises(OidcError) as caught:
        discover(ISSUER + "/", transport=world.transport)  # a trailing slash is another issuer
    assert caught.value.code == "oidc.discovery"


@pytest.mark.parametrize("name", ["authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"])
def test_http_endpoints_are_refused_unless_insecure_is_allowed(name: str) -> None:
    data = good_metadata(**{name: "http://auth.example.test/realms/main/x"})
    with pytest.raises(OidcError) as caught:
        ProviderMetadata.from_dict(data, expected_issuer=ISSUER)
    assert caught.value.code == "oidc.discovery"
    assert ProviderMetadata.from_dict(data, expected_issuer=ISSUER, allow_insecure=True)


def test_an_http_issuer_works_only_when_insecure_is_allowed() -> None:
    issuer = "http://localhost:8000/dev-idp"
    data = good_metadata(
        issuer=issuer,
        authorization_endpoint=issuer + "/authorize",
        token_endpoint=issuer + "/token",
        jwks_uri=issuer + "/jwks",
    )
    with pytest.raises(OidcError):
        ProviderMetadata.from_dict(data, expected_issuer=issuer)
    assert ProviderMetadata.from_dict(data, expected_issuer=issuer, allow_insecure=True).issuer == issuer
    world = make_world()
    with pytest.raises(OidcError) as caught:
        discover(issuer, transport=world.transport)
    assert caught.value.code == "oidc.discovery"
    assert world.transport.calls == []  # refused before any request


@pytest.mark.parametrize(
    "changes",
    [
        {"token_endpoint": None},
        {"jwks_uri": ""},
        {"authorization_endpoint": "javascript:alert(1)"},
        {"token_endpoint": "https://user:pass@auth.example.test/token"},
        {"jwks_uri": "https:///jwks"},
        {"token_endpoint": "https://auth.example.test/token#frag"},
        {"userinfo_endpoint": 42},
        {"id_token_signing_alg_values_supported": None},
        {"id_token_signing_alg_values_supported": []},
        {"id_token_signing_alg_values_supported": "RS256"},
        {"issuer": None},
    ],
)
def test_incomplete_or_odd_metadata_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(OidcError) as caught:
        ProviderMetadata.from_dict(good_metadata(**changes), expected_issuer=ISSUER)
    assert caught.value.code == "oidc.discovery"
