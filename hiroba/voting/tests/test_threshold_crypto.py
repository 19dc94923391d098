"""The threshold key establishment's messages, without Django: channels, certificates, a whole ceremony in every
group, Lagrange recombination, and refusals of tampered or misdirected messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.voting.crypto.groups import Group, group_by_name
from hiroba.voting.crypto.threshold import (
    ThresholdError,
    cert_make,
    certs_checked,
    decrypt,
    decryption_key_open,
    encrypt,
    member_keys,
    polynomial_make,
    receive,
    seed_generate,
    send,
    threshold_parameters_make,
    vinputs_make,
    voutput_make,
)
from hiroba.voting.verifier.trustees import lagrange, pedersen_checked

GROUPS = ["BELENIOS-2048", "Ed25519"]


@settings(max_examples=15, deadline=None)
@given(message=st.text(max_size=200))
def test_an_encrypted_message_opens_only_with_its_key(message: str) -> None:
    group = group_by_name("Ed25519")
    mine, other = member_keys(group, seed_generate()), member_keys(group, seed_generate())
    text = encrypt(group, mine.ek, message)
    assert decrypt(group, mine.dk, text) == message
    with pytest.raises(ThresholdError):
        decrypt(group, other.dk, text)


def test_a_channel_message_checks_its_sender_and_its_recipient() -> None:
    group = group_by_name("BELENIOS-2048")
    alice, bob, eve = (member_keys(group, seed_generate()) for _ in range(3))
    text = send(group, alice.sk, bob.ek, json.dumps({"secret": "42"}))
    assert receive(group, bob, alice.vk, text, "m") == {"secret": "42"}
    with pytest.raises(ThresholdError, match="invalid signature"):
        receive(group, bob, eve.vk, text, "m")  # not signed by eve
    forwarded = send(group, alice.sk, eve.ek, json.dumps({"secret": "42"}))
    with pytest.raises(ThresholdError):
        receive(group, bob, alice.vk, forwarded, "m")  # encrypted to eve: bob cannot open it


def ceremony(group: Group[Any], members: int, threshold: int) -> tuple[list[str], dict[str, Any], list[str]]:
    seeds = [seed_generate() for _ in range(members)]
    certs = [cert_make(group, s) for s in seeds]
    polynomials = [polynomial_make(group, s, certs, threshold) for s in seeds]
    vinputs = vinputs_make(polynomials)
    voutputs = [voutput_make(group, s, certs, v) for s, v in zip(seeds, vinputs, strict=True)]
    return seeds, threshold_parameters_make(group, certs, polynomials, voutputs), [v["private_key"] for v in voutputs]


@pytest.mark.parametrize("group_name", GROUPS)
def test_a_ceremony_gives_parameters_the_verifier_accepts_and_any_k_shares_recombine(group_name: str) -> None:
    group = group_by_name(group_name)
    seeds, parameters, dkeys = ceremony(group, members=4, threshold=3)
    sub_key, verification_keys, threshold = pedersen_checked(group, parameters, "threshold_parameters")
    assert threshold == 3
    shares = [decryption_key_open(group, s, d) for s, d in zip(seeds, dkeys, strict=True)]
    assert [group.g_pow(x) for x in shares] == verification_keys
    for subset in ([1, 2, 3], [2, 3, 4], [1, 3, 4]):
        secret = sum(lagrange(j, subset, group.q) * shares[j - 1] for j in subset) % group.q
        assert group.g_pow(secret) == sub_key
    two = [1, 2]
    assert group.g_pow(sum(lagrange(j, two, group.q) * shares[j - 1] for j in two) % group.q) != sub_key


def test_a_share_that_does_not_match_its_commitments_is_refused() -> None:
    group = group_by_name("Ed25519")
    seeds = [seed_generate() for _ in range(3)]
    certs = [cert_make(group, s) for s in seeds]
    polynomials = [polynomial_make(group, s, certs, 2) for s in seeds]
    cheat = polynomial_make(group, seeds[0], certs, 2)  # member 1 sends member 2 a share of another polynomial
    polynomials[0] = {**polynomials[0], "secrets": [polynomials[0]["secrets"][0], cheat["secrets"][1],
                                                    polynomials[0]["secrets"][2]]}  # fmt: skip
    vinputs = vinputs_make(polynomials)
    voutput_make(group, seeds[0], certs, vinputs[0])  # member 1's own share is fine
    with pytest.raises(ThresholdError, match=r"secrets\[0\].*commitments"):
        voutput_make(group, seeds[1], certs, vinputs[1])


def test_certificates_must_be_signed_by_their_own_key_and_distinct() -> None:
    group = group_by_name("Ed25519")
    a, b = cert_make(group, seed_generate()), cert_make(group, seed_generate())
    assert len(certs_checked(group, [a, b])) == 2
    with pytest.raises(ThresholdError, match="invalid signature"):
        certs_checked(group, [{**a, "signature": b["signature"]}, b])
    with pytest.raises(ThresholdError, match="not distinct"):
        certs_checked(group, [a, a])
    with pytest.raises(ThresholdError, match="22 Base58"):
        member_keys(group, "0" * 22)
