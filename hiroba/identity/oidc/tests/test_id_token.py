"""ID token validation: each forged or faulty token is refused with its own reason, with real signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jwk, jws, jwt

from hiroba.identity.oidc import IdTokenClaims, OidcError, validate_id_token
from hiroba.identity.oidc.rp import b64url
from hiroba.identity.oidc.tests import CITY_A, CITY_B, ISSUER, NOW, World, ec_key, forge, make_world, rsa_key

NONCE = "n-0S6_WzA2Mj"


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


def claims_for(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "pairwise-subject-of-city-a",
        "aud": CITY_A,
        "azp": CITY_A,
        "exp": NOW + 300,
        "iat": NOW,
        "auth_time": NOW,
        "nonce": NONCE,
        "acr": "aal3",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def mint(key: jwk.RSAKey | jwk.ECKey | None = None, *, alg: str = "RS256", **changes: Any) -> str:
    """A token signed for real; by default with the provider's own key."""
    key = key or rsa_key("provider")
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims_for(**changes), key, algorithms=[alg])


def validate(world: World, token: str, *, now: int = NOW, jwks: dict[str, Any] | None = None) -> IdTokenClaims:
    return validate_id_token(
        token,
        metadata=world.metadata,
        client=world.city_a,
        jwks=world.provider.jwks() if jwks is None else jwks,
        nonce=NONCE,
        now=now,
    )


def refused(world: World, token: str, *, now: int = NOW, jwks: dict[str, Any] | None = None) -> str:
    with pytest.raises(OidcError) as caught:
        validate(world, token, now=now, jwks=jwks)
    return caught.value.code


def test_a_good_token_is_accepted(world: World) -> None:
    claims = validate(world, mint())
    assert claims.subject == "pairwise-subject-of-city-a"
    assert claims.audience == (CITY_A,)
    assert (claims.name, claims.address, claims.birthdate, claims.gender) == (None, None, None, None)


@pytest.mark.parametrize("nonce", ["another-nonce", "", None, 12345])
def test_a_wrong_or_missing_nonce_is_refused(world: World, nonce: object) -> None:
    assert refused(world, mint(nonce=nonce)) == "oidc.id_token_nonce"


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": CITY_B, "azp": CITY_B},
        {"aud": [CITY_B], "azp": None},
        {"aud": [CITY_A, CITY_B], "azp": None},  # several audiences: azp must name us
        {"aud": [CITY_A, CITY_B], "azp": CITY_B},
        {"aud": CITY_A, "azp": CITY_B},
    ],
)
def test_a_token_for_another_audience_is_refused(world: World, changes: dict[str, Any]) -> None:
    assert refused(world, mint(**changes)) == "oidc.id_token_audience"


def test_several_audiences_are_accepted_when_azp_is_this_client(world: World) -> None:
    assert validate(world, mint(aud=[CITY_A, CITY_B], azp=CITY_A)).audience == (CITY_A, CITY_B)


@pytest.mark.parametrize("issuer", ["https://auth.example.test/realms/other", ISSUER + "/", None])
def test_a_token_from_another_issuer_is_refused(world: World, issuer: str | None) -> None:
    assert refused(world, mint(iss=issuer)) == "oidc.id_token_issuer"


def test_alg_none_is_refused(world: World) -> None:
    token, _ = forge({"alg": "none", "kid": "provider"}, claims_for())
    assert refused(world, token) == "oidc.id_token_algorithm"


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
def test_hmac_signed_with_the_providers_public_key_is_refused(world: World, alg: str) -> None:
    """The classic confusion: the public key, known to all, used as an HMAC secret."""
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[alg]
    for secret in (rsa_key("provider").as_pem(private=False), json.dumps(world.provider.jwks()["keys"][0]).encode()):
        _, signing_input = forge({"alg": alg, "kid": "provider"}, claims_for())
        token, _ = forge(
            {"alg": alg, "kid": "provider"}, claims_for(), hmac.new(secret, signing_input, digest).digest()
        )
        assert refused(world, token) == "oidc.id_token_algorithm"


def test_an_algorithm_the_provider_does_not_publish_is_refused(world: World) -> None:
    """ES256 is allowed by the client, but the provider's metadata lists RS256 only."""
    key = ec_key("provider-ec")
    jwks = {"keys": [*world.provider.jwks()["keys"], key.as_dict(private=False) | {"kid": key.kid}]}
    assert refused(world, mint(key, alg="ES256"), jwks=jwks) == "oidc.id_token_algorithm"


def test_a_token_signed_by_an_unknown_key_is_refused(world: World) -> None:
    assert refused(world, mint(rsa_key("intruder"))) == "oidc.id_token_signature"


def test_a_token_signed_by_another_key_under_the_providers_kid_is_refused(world: World) -> None:
    intruder = rsa_key("intruder")
    header = {"alg": "RS256", "kid": "provider", "jku": "https://intruder.example/jwks"}  # never followed
    token = jws.serialize_compact(header, json.dumps(claims_for()), intruder, algorithms=["RS256"])
    assert refused(world, token) == "oidc.id_token_signature"


def test_a_tampered_payload_is_refused(world: World) -> None:
    header, _payload, signature = mint().split(".")
    other_payload = b64url(json.dumps(claims_for(sub="someone-else")).encode())
    assert refused(world, f"{header}.{other_payload}.{signature}") == "oidc.id_token_signature"


def test_a_key_published_for_encryption_is_not_used_to_verify(world: World) -> None:
    jwks = {"keys": [{**world.provider.jwks()["keys"][0], "use": "enc"}]}
    assert refused(world, mint(), jwks=jwks) == "oidc.id_token_signature"


@pytest.mark.parametrize("jwks", [{}, {"keys": "none"}, {"keys": [{"kty": "RSA", "kid": "provider", "n": "AQAB"}]}])
def test_an_empty_or_broken_jwks_verifies_nothing(world: World, jwks: dict[str, Any]) -> None:
    assert refused(world, mint(), jwks=jwks) == "oidc.id_token_signature"


def test_a_token_without_kid_is_verified_against_the_matching_keys(world: World) -> None:
    key = rsa_key("provider")
    token = jwt.encode({"alg": "RS256"}, claims_for(), key, algorithms=["RS256"])
    assert validate(world, token).subject == "pairwise-subject-of-city-a"


def test_expiry_is_checked_with_the_leeway(world: World) -> None:
    leeway = world.city_a.leeway
    assert validate(world, mint(exp=NOW - leeway + 1)).expires_at == NOW - leeway + 1
    assert refused(world, mint(exp=NOW - leeway)) == "oidc.id_token_expired"
    assert refused(world, mint(), now=NOW + 300 + leeway) == "oidc.id_token_expired"


def test_a_token_issued_in_the_future_is_refused(world: World) -> None:
    leeway = world.city_a.leeway
    assert validate(world, mint(iat=NOW + leeway)).issued_at == NOW + leeway
    assert refused(world, mint(iat=NOW + leeway + 1, exp=NOW + 900)) == "oidc.id_token_iat"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.c2ln",
        b64url(b"[1]") + ".e30.c2ln",
        b64url(b'{"alg": "RS256"') + ".e30.c2ln",
        "x" * 20_000,
    ],
)
def test_malformed_tokens_are_refused(world: World, token: str) -> None:
    assert refused(world, token) == "oidc.id_token_malformed"


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": "soon"},
        {"exp": None},
        {"iat": True},
        {"aud": 7},
        {"aud": []},
        {"sub": ""},
        {"sub": None},
        {"name": ["佐久", "花子"]},
        {"address": {"region": "長野県"}},
    ],
)
def test_claims_of_the_wrong_shape_are_refused(world: World, changes: dict[str, Any]) -> None:
    assert refused(world, mint(**changes)) == "oidc.id_token_malformed"


def test_a_payload_that_is_not_an_object_is_refused(world: World) -> None:
    key = rsa_key("provider")
    token = jws.serialize_compact({"alg": "RS256", "kid": key.kid}, b"[1, 2]", key, algorithms=["RS256"])
    assert refused(world, token) == "oidc.id_token_malformed"


def test_the_address_is_exposed_as_its_formatted_string(world: World) -> None:
    assert validate(world, mint(address={"formatted": "長野県佐久市"})).address == "長野県佐久市"
    assert validate(world, mint(address="長野県佐久市")).address == "長野県佐久市"  # tolerated bare string
