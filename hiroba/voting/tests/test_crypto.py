"""Known answers from the specification and from belenios-tool's archives; property tests of the proofs."""

from __future__ import annotations

from typing import Any

import gmpy2  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.voting.crypto.ballot import ballot_create
from hiroba.voting.crypto.credentials import credential_generate, credential_is_well_formed, credential_secret
from hiroba.voting.crypto.groups import BELENIOS_2048, ED25519, RFC_3526_2048, Group, GroupError, group_by_name
from hiroba.voting.crypto.proofs import (
    Proof,
    ballot_sign,
    ballot_signature_verify,
    decryption_factor_prove,
    decryption_factor_verify,
    elgamal_encrypt,
    iproof_verify,
    iprove,
    pok_prove,
    pok_verify,
    sigmsg_sign,
    sigmsg_verify,
)
from hiroba.voting.formats.archive import json_dumps, read_archive
from hiroba.voting.formats.structures import parse_question
from hiroba.voting.tests.helpers import fixture
from hiroba.voting.verifier.ballots import BallotContext, check_ballots_inline

# --- group constants (specification 2.0, section 5) -----------------------------------------------------------


def test_belenios_2048_constants() -> None:
    p, q = BELENIOS_2048.p, BELENIOS_2048.q
    assert str(p).startswith("20694785691422546401013643657505008064922989295751104097100884787057374219242")
    assert str(p).endswith("507711827842317498073276598828825169183103125680162072880719")
    assert str(BELENIOS_2048.g).startswith("2402352677501852209227687703532399932712287657378364916510075318787663")
    assert str(q) == "78571733251071885079927659812671450121821421258408794611510081919805623223441"
    assert p.bit_length() == 2048
    assert q.bit_length() == 256
    assert gmpy2.is_prime(p)
    assert gmpy2.is_prime(q)
    assert (p - 1) % q == 0
    assert BELENIOS_2048.pow(BELENIOS_2048.g, q) == 1
    assert BELENIOS_2048.g != 1


def test_rfc_3526_2048_constants() -> None:
    p, q = RFC_3526_2048.p, RFC_3526_2048.q
    assert str(p).startswith("32317006071311007300338913926423828248817941241140239112842009751400741706634")
    assert str(p).endswith("136218231078990999448652468262416972035911852507045361090559")
    assert str(q).startswith("16158503035655503650169456963211914124408970620570119556421004875700370853317")
    assert q == (p - 1) // 2
    assert gmpy2.is_prime(q)
    assert RFC_3526_2048.g == 2
    assert RFC_3526_2048.is_member(2)
    assert not RFC_3526_2048.is_member(p - 1)


def test_ed25519_constants() -> None:
    assert ED25519.q == 2**252 + 27742317777372353535851937790883648493
    # The base point (x positive, y = 4/5) in Belenios' serialisation: the reversed encoding in hex.
    assert ED25519.to_str(ED25519.g) == "6666666666666666666666666666666666666666666666666666666666666658"
    assert ED25519.g_pow(ED25519.q) == ED25519.one
    assert ED25519.mul(ED25519.g, ED25519.inv(ED25519.g)) == ED25519.one


@pytest.mark.parametrize(
    ("group", "text"),
    [
        (BELENIOS_2048, "0"),
        (BELENIOS_2048, "2"),  # in range but not in the order-q subgroup
        (BELENIOS_2048, "012"),
        (BELENIOS_2048, "-5"),
        (RFC_3526_2048, str(RFC_3526_2048.p)),
        (ED25519, "00" * 32),
        (ED25519, "zz" * 32),
        (ED25519, ED25519.to_str(ED25519.g_pow(3)).upper()),
        (ED25519, "ec" + "ff" * 30 + "7f"[::-1]),  # not canonical / not on the curve
    ],
)
def test_parse_refuses_non_members(group: Group[Any], text: str) -> None:
    with pytest.raises(GroupError):
        group.parse(text)


def test_unknown_group_is_refused() -> None:
    with pytest.raises(GroupError, match="unsupported group"):
        group_by_name({"g": "2", "p": "23", "q": "11"})


# --- known answers from belenios-tool archives ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["nofn-belenios2048", "nofn-rfc3526", "threshold-belenios2048"])
def test_belenios_tool_ballots_verify(name: str) -> None:
    # given a ballot belenios-tool made (blank-allowed and plain questions, signature with the credential)
    archive = read_archive(fixture(name))
    election_hash = next(h for h, raw in archive.data.items() if raw.startswith(b'{"version":1,"description"'))
    from hiroba.voting.formats.structures import parse_election

    election = parse_election(archive.data[election_hash], archive.json(election_hash))
    context = BallotContext(
        election.group, election.public_key, election.uuid, election.fingerprint, election.questions
    )
    ballots = [(e.height, archive.data[e.payload]) for e in archive.events if e.type == "Ballot" and e.payload]
    # when our checker verifies every proof and the signature
    outcomes = check_ballots_inline(context, ballots)
    # then all pass; and a one-digit change of a response fails
    assert [o.error for o in outcomes] == [None] * len(ballots)
    raw = ballots[0][1]
    tampered = raw.replace(b'"response":"1', b'"response":"2', 1)
    assert tampered != raw
    (outcome,) = check_ballots_inline(context, [(1, tampered)])
    assert outcome.error is not None


def test_belenios_tool_trustee_keys_verify() -> None:
    archive = read_archive(fixture("nofn-belenios2048"))
    trustees = next(archive.json(h) for h, raw in archive.data.items() if raw.startswith(b'[["Single"'))
    for _, key in trustees:
        public = BELENIOS_2048.parse(key["public_key"])
        proof = Proof(int(key["pok"]["challenge"]), int(key["pok"]["response"]))
        assert pok_verify(BELENIOS_2048, public, proof)
        assert not pok_verify(BELENIOS_2048, public, Proof(proof.challenge, (proof.response + 1) % BELENIOS_2048.q))


def test_credentials() -> None:
    assert credential_is_well_formed("etQ-YMD-gJP-4T9-pbG")
    assert not credential_is_well_formed("etQ-YMD-gJP-4T9-pbH")
    generated = credential_generate()
    assert credential_is_well_formed(generated)
    assert 0 <= credential_secret(BELENIOS_2048, generated, "wBwzxQxeMfjge1") < BELENIOS_2048.q


# --- properties: what we prove, we verify; tampered proofs are rejected --------------------------------------

GROUPS = [ED25519, BELENIOS_2048]
scalars = st.integers(min_value=1, max_value=2**200)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
@settings(max_examples=8, deadline=None)
@given(x=scalars, m=st.integers(0, 4), bump=st.integers(1, 5), data=st.data())
def test_interval_proof_roundtrip(group: Group[Any], x: int, m: int, bump: int, data: st.DataObject) -> None:
    y = group.g_pow(x)
    r = group.random_scalar()
    values = list(range(5))
    ct = elgamal_encrypt(group, y, m, r)
    proofs = iprove(group, y, "S|prefix", ct, r, m, values)
    assert iproof_verify(group, y, "S|prefix", ct, proofs, values)
    i = data.draw(st.integers(0, len(proofs) - 1))
    bad = list(proofs)
    bad[i] = Proof(bad[i].challenge, (bad[i].response + bump) % group.q)
    assert not iproof_verify(group, y, "S|prefix", ct, bad, values)
    assert not iproof_verify(group, y, "S|other", ct, proofs, values)
    # a ciphertext of a value outside the interval cannot be proven (the prover's equation breaks)
    outside = elgamal_encrypt(group, y, 7, r)
    assert not iproof_verify(group, y, "S|prefix", outside, iprove(group, y, "S|prefix", outside, r, m, values), values)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
@settings(max_examples=6, deadline=None)
@given(x=scalars, message=st.text(max_size=40), bump=st.integers(1, 5))
def test_schnorr_proofs_roundtrip(group: Group[Any], x: int, message: str, bump: int) -> None:
    public = group.g_pow(x)
    assert pok_verify(group, public, pok_prove(group, x))
    assert sigmsg_verify(group, public, message, sigmsg_sign(group, x, message))
    signature = ballot_sign(group, x, "hash")
    assert ballot_signature_verify(group, public, "hash", signature)
    assert not ballot_signature_verify(group, public, "other", signature)
    assert not ballot_signature_verify(
        group, public, "hash", Proof(signature.challenge, (signature.response + bump) % group.q)
    )
    alpha = group.g_pow(group.random_scalar())
    factor, proof = decryption_factor_prove(group, "fp", x, alpha)
    assert decryption_factor_verify(group, "fp", public, alpha, factor, proof)
    assert not decryption_factor_verify(group, "fp", public, alpha, group.mul(factor, group.g), proof)


BALLOT_QUESTIONS = [
    parse_question({"answers": ["a", "b"], "blank": True, "min": 1, "max": 1, "question": "q1"}, "q1"),
    parse_question({"answers": ["a", "b", "c"], "min": 0, "max": 2, "question": "q2"}, "q2"),
]
PLAINTEXTS_1 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
PLAINTEXTS_2 = [[0, 0, 0], [1, 0, 0], [0, 1, 1], [1, 0, 1]]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
@settings(max_examples=5, deadline=None)
@given(first=st.sampled_from(PLAINTEXTS_1), second=st.sampled_from(PLAINTEXTS_2), flip=st.integers(0, 10_000))
def test_ballot_roundtrip_and_tamper(group: Group[Any], first: list[int], second: list[int], flip: int) -> None:
    # given a ballot we build (blank or not, any allowed selection)
    x = group.random_scalar()
    y = group.g_pow(x)
    secret = group.random_scalar()
    ballot = ballot_create(
        group, y=y, election_uuid="HirobaTestUuid1", election_fingerprint="fp", credential_secret=secret,
        questions=BALLOT_QUESTIONS, plaintexts=[first, second],
    )  # fmt: skip
    context = BallotContext(group.name, group.to_str(y), "HirobaTestUuid1", "fp", tuple(BALLOT_QUESTIONS))
    raw = json_dumps(ballot)
    # then our verifier accepts it
    (ok,) = check_ballots_inline(context, [(1, raw)])
    assert ok.error is None, ok.error
    # and any change to a challenge or response is rejected
    proofs = [p for a in ballot["answers"] for ps in a["individual_proofs"] for p in ps]
    proofs += [p for a in ballot["answers"] for p in a["overall_proof"] + a.get("blank_proof", [])]
    target = proofs[flip % len(proofs)]
    target["response"] = str((int(target["response"]) + 1) % group.q)
    (bad,) = check_ballots_inline(context, [(1, json_dumps(ballot))])
    assert bad.error is not None


def test_ballot_plaintext_must_respect_the_question() -> None:
    with pytest.raises(ValueError, match="constraints"):
        ballot_create(
            ED25519, y=ED25519.g, election_uuid="HirobaTestUuid1", election_fingerprint="fp", credential_secret=3,
            questions=BALLOT_QUESTIONS, plaintexts=[[1, 1, 0], [0, 0, 0]],
        )  # fmt: skip
