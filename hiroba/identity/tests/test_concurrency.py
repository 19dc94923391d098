"""Races that a real server meets, on PostgreSQL with real threads: replayed nonces, double enrollment, throttles."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from hiroba.identity.models import CredentialBinding, Person
from hiroba.identity.services.throttle import Limit, TooManyAttempts, throttle_hit
from hiroba.identity.tests.cardflow import auth_proof, card_sign_in, nonce, post, sign_proof

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def _race(work: Callable[[int], Any], n: int = THREADS) -> list[Any]:
    """Run `work(i)` in n threads released together; returns their results (or the exceptions they raised)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 (handed back to the test)
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _same_session(client: Client) -> Client:
    twin = Client()
    twin.cookies = client.cookies
    return twin


def test_a_nonce_replayed_at_the_same_moment_works_once(rig: Any, demo: Any) -> None:
    client = Client()
    proof = auth_proof(rig.card(), nonce(client))
    clients = [_same_session(client) for _ in range(THREADS)]
    results = _race(lambda i: post(clients[i], "jpki/sign-in", proof))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [401] * (THREADS - 1)
    assert {r.json()["code"] for r in results if r.status_code == 401} == {"identity.challenge_used"}


def test_the_same_card_enrolled_twice_at_once_gives_one_person(rig: Any, demo: Any) -> None:
    card = rig.card()
    browsers = [Client() for _ in range(4)]
    for browser in browsers:  # four browsers reach the consent step with the same card
        card_sign_in(browser, card)
        assert post(browser, "jpki/enrollment", sign_proof(card, nonce(browser, "enroll"))).status_code == 200
    results = _race(lambda i: post(browsers[i], "enrollment/consent", {"consent": True}), n=4)
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"identity.credential_bound"}
    assert Person.objects.count() == 1
    assert CredentialBinding.objects.count() == 2  # the card and the facts binding


def test_a_throttle_lets_exactly_its_allowance_through(db: None) -> None:
    from datetime import timedelta

    limit = Limit("test_race", 10, timedelta(minutes=5))
    results = _race(lambda _: throttle_hit(limit, key="same-address"), n=20)
    refused = [r for r in results if isinstance(r, TooManyAttempts)]
    assert len(refused) == 10
    assert all(r is None or isinstance(r, TooManyAttempts) for r in results)
