"""The whole sign-in, relying party against the development provider, with real keys and real checks."""

from __future__ import annotations

import json

import pytest

from hiroba.identity.oidc import (
    ENROLLMENT_SCOPES,
    SIGN_IN_SCOPES,
    ClientConfig,
    PendingAuthorization,
    complete_authorization,
)
from hiroba.identity.oidc.tests import (
    CARD_HOLDER,
    CITY_A,
    FACTS,
    ISSUER,
    NOW,
    ec_key,
    make_world,
    sign_in_at_provider,
)


def test_enrolment_round_trip_returns_the_pairwise_subject_and_the_four_facts() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=ENROLLMENT_SCOPES)

    claims = complete_authorization(
        world.metadata, world.city_a, pending=pending, callback=callback, transport=world.transport, now=NOW
    )

    assert claims.subject == world.provider.pairwise_subject(client_id=CITY_A, user_key=CARD_HOLDER)
    assert CARD_HOLDER not in json.dumps(claims.raw)  # the card holder's key never reaches the relying party
    assert claims.issuer == ISSUER
    assert claims.audience == (CITY_A,)
    assert (claims.issued_at, claims.expires_at, claims.auth_time) == (NOW, NOW + 300, NOW)
    assert claims.acr == "aal3"
    assert claims.name == FACTS["name"]
    assert claims.address == FACTS["address"]
    assert claims.raw["address"] == {"formatted": FACTS["address"]}
    assert claims.birthdate == "1990-04-01"
    assert claims.gender == "female"
    # Exactly one token request, then the keys from jwks_uri.
    assert world.transport.calls == [("POST", world.provider.token_endpoint), ("GET", world.provider.jwks_uri)]


def test_the_pending_authorization_survives_a_json_session() -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES)
    restored = PendingAuthorization.from_dict(json.loads(json.dumps(pending.to_dict())))
    assert restored == pending

    claims = complete_authorization(
        world.metadata,
        world.city_a,
        pending=restored,
        callback=callback,
        transport=world.transport,
        now=NOW + 30,
        jwks=world.provider.jwks(),
    )
    assert claims.subject
    assert world.transport.calls == [("POST", world.provider.token_endpoint)]  # the given JWKS was used


def test_two_municipalities_see_different_subjects_for_the_same_card_holder() -> None:
    world = make_world()
    subjects: dict[str, str] = {}
    for client in (world.city_a, world.city_b, world.city_a):
        callback, pending = sign_in_at_provider(world, client, scopes=SIGN_IN_SCOPES)
        claims = complete_authorization(
            world.metadata, client, pending=pending, callback=callback, transport=world.transport, now=NOW
        )
        assert subjects.setdefault(client.client_id, claims.subject) == claims.subject  # stable per municipality
    assert subjects[world.city_a.client_id] != subjects[world.city_b.client_id]


def test_another_card_holder_gets_another_subject() -> None:
    world = make_world()
    seen = set()
    for user_key in ("card:one", "card:two"):
        callback, pending = sign_in_at_provider(world, world.city_a, scopes=SIGN_IN_SCOPES, user_key=user_key)
        claims = complete_authorization(
            world.metadata, world.city_a, pending=pending, callback=callback, transport=world.transport, now=NOW
        )
        seen.add(claims.subject)
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("scopes", "released"),
    [
        (SIGN_IN_SCOPES, set()),
        (("openid", "name"), {"name"}),
        (("openid", "birthdate", "gender"), {"birthdate", "gender"}),
        (ENROLLMENT_SCOPES, {"name", "address", "birthdate", "gender"}),
    ],
)
def test_scopes_decide_which_facts_come_back(scopes: tuple[str, ...], released: set[str]) -> None:
    world = make_world()
    callback, pending = sign_in_at_provider(world, world.city_a, scopes=scopes)
    claims = complete_authorization(
        world.metadata, world.city_a, pending=pending, callback=callback, transport=world.transport, now=NOW
    )
    facts = {"name": claims.name, "address": claims.address, "birthdate": claims.birthdate, "gender": claims.gender}
    assert {name for name, value in facts.items() if value is not None} == released
    assert released <= set(claims.raw)
    assert not ({"name", "address", "birthdate", "gender"} - released) & set(claims.raw)


def test_a_client_with_an_ec_key_authenticates_with_es256() -> None:
    city_c = ClientConfig(
        client_id="RP00000003",
        redirect_uri="https://ueda.hiroba.example/identity/oidc/callback",
        private_key=ec_key("city-c"),
        signing_alg="ES256",
    )
    world = make_world(more_clients=(city_c,))
    callback, pending = sign_in_at_provider(world, city_c, scopes=("openid", "name"))
    claims = complete_authorization(
        world.metadata, city_c, pending=pending, callback=callback, transport=world.transport, now=NOW
    )
    assert claims.name == FACTS["name"]
    assert claims.subject == world.provider.pairwise_subject(client_id="RP00000003", user_key=CARD_HOLDER)
