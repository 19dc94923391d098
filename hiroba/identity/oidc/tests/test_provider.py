"""The development provider holds relying parties to the app's rules: PKCE, private_key_jwt, single-use codes."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc import jwk, jwt

from hiroba.identity.oidc import (
    ENROLLMENT_SCOPES,
    SIGN_IN_SCOPES,
    AuthorizationGrant,
    ClientConfig,
    DevProvider,
    InMemoryCodeStore,
    OidcError,
    begin_authorization,
    client_assertion,
)
from hiroba.identity.oidc.rp import CLIENT_ASSERTION_TYPE, b64url
from hiroba.identity.oidc.tests import (
    CARD_HOLDER,
    CITY_A,
    CITY_B,
    FACTS,
    ISSUER,
    NOW,
    REDIRECT_A,
    REDIRECT_B,
    World,
    forge,
    make_world,
    query,
    rsa_key,
)

# --- the authorization request -----------------------------------------------------------------------------------


def authorization_params(world: World, **changes: str | None) -> dict[str, str]:
    url, _pending = begin_authorization(world.metadata, world.city_a, scopes=ENROLLMENT_SCOPES, now=NOW)
    params: dict[str, Any] = {**query(url), **changes}
    return {name: value for name, value in params.items() if value is not None}


def test_a_good_authorization_request_becomes_a_grant() -> None:
    world = make_world()
    params = authorization_params(world)
    grant = world.provider.validate_authorization_request(params)
    assert grant.client_id == CITY_A
    assert grant.redirect_uri == REDIRECT_A
    assert grant.scopes == ENROLLMENT_SCOPES
    assert (grant.state, grant.nonce, grant.code_challenge) == (
        params["state"],
        params["nonce"],
        params["code_challenge"],
    )
    assert AuthorizationGrant.from_dict(grant.to_dict()) == grant


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        (
            {"code_challenge_method": "plain", "code_challenge": "a-plain-verifier-sent-as-is-0123456789abcdefgh"},
            "invalid_request",
        ),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": REDIRECT_A + "/../../steal"}, "invalid_request"),
        ({"redirect_uri": REDIRECT_A + "?next=/"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"client_id": "RP99999999"}, "invalid_client"),
        ({"client_id": None}, "invalid_client"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "name address"}, "invalid_scope"),
        ({"scope": "openid sign"}, "invalid_scope"),
        ({"state": None}, "invalid_request"),
        ({"state": ""}, "invalid_request"),
        ({"state": "s" * 256}, "invalid_request"),
        ({"state": "状態"}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"nonce": "n\x00"}, "invalid_request"),
    ],
)
def test_a_faulty_authorization_request_is_refused(changes: dict[str, str | None], code: str) -> None:
    world = make_world()
    with pytest.raises(OidcError) as caught:
        world.provider.validate_authorization_request(authorization_params(world, **changes))
    assert caught.value.code == code


def test_a_redirect_uri_is_matched_exactly_among_those_registered() -> None:
    world = make_world()
    with pytest.raises(OidcError) as caught:  # city B's callback is registered, but not for city A
        world.provider.validate_authorization_request(authorization_params(world, redirect_uri=REDIRECT_B))
    assert caught.value.code == "invalid_request"


def test_the_redirect_carries_code_and_state_and_keeps_the_registered_query() -> None:
    world = make_world()
    grant = AuthorizationGrant(CITY_A, REDIRECT_A, ("openid",), "st&ate =1", "nonce", "c" * 43)
    url = world.provider.redirect_for(grant, "the-code")
    assert url.startswith(REDIRECT_A + "?")
    assert query(url) == {"code": "the-code", "state": "st&ate =1"}
    with_query = AuthorizationGrant(CITY_A, REDIRECT_A + "?tenant=saku", ("openid",), "s", "n", "c" * 43)
    assert query(world.provider.redirect_for(with_query, "x")) == {"tenant": "saku", "code": "x", "state": "s"}


def test_a_malformed_stored_grant_is_refused() -> None:
    with pytest.raises(OidcError) as caught:
        AuthorizationGrant.from_dict({"client_id": CITY_A, "scopes": "openid"})
    assert caught.value.code == "invalid_request"


def test_a_birthdate_must_be_an_iso_date() -> None:
    world = make_world()
    grant = world.provider.validate_authorization_request(authorization_params(world))
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        world.provider.issue_code(grant, user_key=CARD_HOLDER, claims={**FACTS, "birthdate": "平成2年4月1日"}, now=NOW)


# --- the token endpoint ------------------------------------------------------------------------------------------


def token_form(world: World, client: ClientConfig | None = None, **changes: str | None) -> dict[str, str]:
    """A correct token request for a fresh code issued to city A, with `changes` applied."""
    url, pending = begin_authorization(world.metadata, world.city_a, scopes=SIGN_IN_SCOPES, now=NOW)
    grant = world.provider.validate_authorization_request(query(url))
    code = world.provider.issue_code(grant, user_key=CARD_HOLDER, claims=FACTS, now=NOW)
    signer = client or world.city_a
    form: dict[str, Any] = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_A,
        "code_verifier": pending.code_verifier,
        "client_id": signer.client_id,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": client_assertion(signer, audience=world.provider.token_endpoint, now=NOW),
        **changes,
    }
    return {name: value for name, value in form.items() if value is not None}


def token_error(world: World, form: dict[str, str], *, now: int = NOW) -> str:
    with pytest.raises(OidcError) as caught:
        world.provider.token(form, now=now)
    return caught.value.code


def test_a_good_token_request_returns_a_signed_id_token() -> None:
    world = make_world()
    response = world.provider.token(token_form(world), now=NOW)
    assert response["token_type"] == "Bearer"
    assert response["expires_in"] == 300
    assert response["access_token"]
    token = jwt.decode(response["id_token"], rsa_key("provider"), algorithms=["RS256"])
    assert token.header["kid"] == "provider"
    assert token.claims["sub"] == world.provider.pairwise_subject(client_id=CITY_A, user_key=CARD_HOLDER)
    assert (token.claims["aud"], token.claims["azp"], token.claims["acr"]) == (CITY_A, CITY_A, "aal3")
    assert "name" not in token.claims  # openid only


def test_a_missing_pkce_verifier_is_refused() -> None:
    world = make_world()
    assert token_error(world, token_form(world, code_verifier=None)) == "invalid_grant"


@pytest.mark.parametrize("verifier", ["x" * 43, "short", "y" * 129, "ü" * 50])
def test_a_wrong_pkce_verifier_is_refused(verifier: str) -> None:
    world = make_world()
    assert token_error(world, token_form(world, code_verifier=verifier)) == "invalid_grant"


def test_a_code_is_single_use() -> None:
    world = make_world()
    form = token_form(world)
    world.provider.token(form, now=NOW)
    fresh_assertion = client_assertion(world.city_a, audience=world.provider.token_endpoint, now=NOW)
    assert token_error(world, {**form, "client_assertion": fresh_assertion}) == "invalid_grant"


def test_a_failed_pkce_check_spends_the_code() -> None:
    world = make_world()
    form = token_form(world)
    assert token_error(world, {**form, "code_verifier": "z" * 43}) == "invalid_grant"
    fresh_assertion = client_assertion(world.city_a, audience=world.provider.token_endpoint, now=NOW)
    assert token_error(world, {**form, "client_assertion": fresh_assertion}) == "invalid_grant"


def test_a_failed_client_authentication_does_not_spend_the_code() -> None:
    world = make_world()
    form = token_form(world)
    assert token_error(world, {**form, "client_assertion_type": "client_secret_post"}) == "invalid_client"
    assert world.provider.token(form, now=NOW)["id_token"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"code": "no-such-code"}, "invalid_grant"),
        ({"code": None}, "invalid_request"),
        ({"redirect_uri": REDIRECT_B}, "invalid_grant"),
        ({"redirect_uri": None}, "invalid_grant"),
        ({"grant_type": "refresh_token"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": None}, "invalid_request"),
        ({"client_assertion_type": None}, "invalid_client"),
        ({"client_assertion": None}, "invalid_client"),
        ({"client_assertion": "not.a.jwt"}, "invalid_client"),
        ({"client_id": CITY_B}, "invalid_client"),
    ],
)
def test_a_faulty_token_request_is_refused(changes: dict[str, Any], code: str) -> None:
    world = make_world()
    assert token_error(world, token_form(world, **changes)) == code


def test_an_expired_code_is_refused() -> None:
    world = make_world(code_ttl=60)
    form = token_form(world)
    form["client_assertion"] = client_assertion(world.city_a, audience=world.provider.token_endpoint, now=NOW + 60)
    assert token_error(world, form, now=NOW + 60) == "invalid_grant"


def test_a_code_issued_to_one_municipality_cannot_be_redeemed_by_another() -> None:
    world = make_world()
    form = token_form(world, client=world.city_b)  # city B authenticates correctly, with city A's code
    assert token_error(world, form) == "invalid_grant"


def assertion(world: World, *, key: str = "city-a", alg: str = "RS256", **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": CITY_A,
        "sub": CITY_A,
        "aud": world.provider.token_endpoint,
        "jti": "jti-0001",
        "iat": NOW,
        "exp": NOW + 60,
        **changes,
    }
    signing_key = rsa_key(key)
    return jwt.encode({"alg": alg, "kid": signing_key.kid}, claims, signing_key, algorithms=[alg])


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda world: assertion(world, key="city-b"), id="signed-by-another-clients-key"),
        pytest.param(lambda world: assertion(world, key="intruder"), id="signed-by-an-unknown-key"),
        pytest.param(lambda world: assertion(world, aud=ISSUER + "/protocol/token"), id="wrong-aud"),
        pytest.param(lambda world: assertion(world, aud=world.provider.authorization_endpoint), id="aud-authorize"),
        pytest.param(lambda world: assertion(world, sub=CITY_B), id="sub-not-client"),
        pytest.param(lambda world: assertion(world, exp=NOW), id="expired"),
        pytest.param(lambda world: assertion(world, exp=NOW + 3600), id="valid-for-too-long"),
        pytest.param(lambda world: assertion(world, iat=NOW + 600), id="issued-in-the-future"),
        pytest.param(lambda world: assertion(world, jti=None), id="no-jti"),
        pytest.param(lambda world: assertion(world, iss="RP99999999", sub="RP99999999"), id="unknown-client"),
    ],
)
def test_a_faulty_client_assertion_is_refused(make: Any) -> None:
    world = make_world()
    form = token_form(world, client_id=None)
    form["client_assertion"] = make(world)
    assert token_error(world, form) == "invalid_client"


def test_an_hmac_client_assertion_keyed_with_the_public_key_is_refused() -> None:
    world = make_world()
    header = {"alg": "HS256", "kid": "city-a"}
    claims = {"iss": CITY_A, "sub": CITY_A, "aud": world.provider.token_endpoint, "jti": "j", "exp": NOW + 60}
    token, _ = forge(header, claims, b"\x00" * 32)
    assert token_error(world, token_form(world, client_assertion=token)) == "invalid_client"


def test_a_client_assertion_cannot_be_replayed() -> None:
    world = make_world()
    first = token_form(world)
    world.provider.token(first, now=NOW)
    second = token_form(world, client_assertion=first["client_assertion"])
    assert token_error(world, second) == "invalid_client"
    # The replay did not spend the second code: a fresh assertion still redeems it.
    second["client_assertion"] = client_assertion(world.city_a, audience=world.provider.token_endpoint, now=NOW)
    assert world.provider.token(second, now=NOW)["id_token"]


# --- published documents and identifiers -------------------------------------------------------------------------


def test_metadata_describes_what_the_app_supports() -> None:
    metadata = make_world().provider.metadata()
    assert metadata["issuer"] == ISSUER
    assert metadata["authorization_endpoint"] == ISSUER + "/authorize"
    assert metadata["token_endpoint"] == ISSUER + "/token"
    assert metadata["jwks_uri"] == ISSUER + "/jwks"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["subject_types_supported"] == ["pairwise"]
    assert {"openid", "name", "address", "birthdate", "gender"} <= set(metadata["scopes_supported"])
    assert {"sub", "name", "address", "birthdate", "gender"} <= set(metadata["claims_supported"])


def test_the_jwks_holds_the_public_key_only() -> None:
    (key,) = make_world().provider.jwks()["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "use", "alg"}
    assert (key["kid"], key["use"], key["alg"]) == ("provider", "sig", "RS256")


def test_a_provider_needs_a_private_signing_key_and_a_real_secret() -> None:
    public = rsa_key("provider").as_dict(private=False)
    with pytest.raises(ValueError, match="private"):
        DevProvider(
            issuer=ISSUER,
            signing_key=jwk.RSAKey.import_key(public),
            clients={},
            pairwise_secret=b"x" * 32,
            codes=InMemoryCodeStore(),
        )
    with pytest.raises(ValueError, match="16 bytes"):
        DevProvider(
            issuer=ISSUER,
            signing_key=rsa_key("provider"),
            clients={},
            pairwise_secret=b"short",
            codes=InMemoryCodeStore(),
        )


PAIRWISE_PROVIDER = DevProvider(
    issuer=ISSUER,
    signing_key=rsa_key("provider"),
    clients={},
    pairwise_secret=b"0123456789abcdef",
    codes=InMemoryCodeStore(),
)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_pairwise_subjects_differ_per_client_and_per_card_holder(client: str, user: str, other: str) -> None:
    provider = PAIRWISE_PROVIDER
    subject = provider.pairwise_subject(client_id=client, user_key=user)
    assert subject == provider.pairwise_subject(client_id=client, user_key=user)
    assert len(subject) == 43
    assert b64url(base64.urlsafe_b64decode(subject + "=")) == subject
    if other != client:
        assert subject != provider.pairwise_subject(client_id=other, user_key=user)
    if other != user:
        assert subject != provider.pairwise_subject(client_id=client, user_key=other)


def test_the_separator_keeps_client_and_card_holder_apart() -> None:
    assert PAIRWISE_PROVIDER.pairwise_subject(client_id="RP1", user_key="23") != PAIRWISE_PROVIDER.pairwise_subject(
        client_id="RP12", user_key="3"
    )


# --- the in-memory code store ------------------------------------------------------------------------------------


def test_the_code_store_hands_out_a_record_once_and_forgets_it_after_its_ttl() -> None:
    clock = [1000.0]
    store = InMemoryCodeStore(clock=lambda: clock[0])
    store.put("a", {"n": 1}, ttl=60)
    store.put("b", {"n": 2}, ttl=60)
    assert store.take("a") == {"n": 1}
    assert store.take("a") is None
    clock[0] += 60
    assert store.take("b") is None
    store.put("c", {"n": 3}, ttl=60)  # putting also sweeps expired records
    assert len(store) == 1


def test_the_code_store_keeps_a_copy() -> None:
    store = InMemoryCodeStore()
    record: dict[str, Any] = {"claims": {"name": "佐久 花子"}}
    store.put("a", record, ttl=60)
    record["claims"]["name"] = "changed"
    assert store.take("a") == {"claims": {"name": "佐久 花子"}}


def test_only_one_of_many_concurrent_takers_gets_the_code() -> None:
    store = InMemoryCodeStore()
    store.put("code", {"ok": True}, ttl=60)
    start = threading.Barrier(16)
    results: list[dict[str, Any] | None] = []
    lock = threading.Lock()

    def take() -> None:
        start.wait()
        result = store.take("code")
        with lock:
            results.append(result)

    threads = [threading.Thread(target=take) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count({"ok": True}) == 1
    assert results.count(None) == 15
