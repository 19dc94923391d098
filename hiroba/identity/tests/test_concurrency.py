"""Races that a real server meets, on PostgreSQL with real threads: replayed nonces, double enrollment, throttles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hiroba.core.tests.race import race
from hiroba.identity.models import CredentialBinding, Person
from hiroba.identity.services.throttle import Limit, TooManyAttempts, throttle_hit
from hiroba.identity.tests.cardflow import auth_proof, card_sign_in, nonce, post, sign_proof

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def _same_session(client: Client) -> Client:
    twin = Client()
    twin.cookies = client.cookies
    return twin


def test_a_nonce_replayed_at_the_same_moment_works_once(rig: Any, demo: Any) -> None:
    client = Client()
    proof = auth_proof(rig.card(), nonce(client))
    clients = [_same_session(client) for _ in range(THREADS)]
    results = race(lambda i: post(clients[i], "jpki/sign-in", proof), n=THREADS)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [401] * (THREADS - 1)
    assert {r.json()["code"] for r in results if r.status_code == 401} == {"identity.challenge_used"}


def test_the_same_card_enrolled_twice_at_once_gives_one_person(rig: Any, demo: Any) -> None:
    card = rig.card()
    browsers = [Client() for _ in range(4)]
    for browser in browsers:  # four browsers reach the consent step with the same card
        card_sign_in(browser, card)
        assert post(browser, "jpki/enrollment", sign_proof(card, nonce(browser, "enroll"))).status_code == 200
    results = race(lambda i: post(browsers[i], "enrollment/consent", {"consent": True}), n=4)
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"identity.credential_bound"}
    assert Person.objects.count() == 1
    assert CredentialBinding.objects.count() == 2  # the card and the facts binding


def test_a_throttle_lets_exactly_its_allowance_through(db: None) -> None:
    from datetime import timedelta

    limit = Limit("test_race", 10, timedelta(minutes=5))
    results = race(lambda _: throttle_hit(limit, key="same-address"), n=20)
    refused = [r for r in results if isinstance(r, TooManyAttempts)]
    assert len(refused) == 10
    assert all(r is None or isinstance(r, TooManyAttempts) for r in results)
