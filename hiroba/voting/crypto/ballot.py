"""Building Belenios ballots (specification 2.0, sections 4.11–4.15): encryption, proofs and signature.

Returns the ballot as JSON-ready dicts with the fields in the specification's order, so that
`formats.archive.json_dumps` yields the bytes Belenios would hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hiroba.voting.crypto.groups import E, Group
from hiroba.voting.crypto.proofs import (
    Ciphertext,
    Proof,
    ballot_sign,
    blank_proofs_prove,
    ciphertext_mul,
    ciphertext_str,
    elgamal_encrypt,
    iprove,
)
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.formats.structures import Question, fingerprint


def proof_json(proof: Proof) -> dict[str, str]:
    return {"challenge": str(proof.challenge), "response": str(proof.response)}


def ciphertext_json(group: Group[E], ct: Ciphertext[E]) -> dict[str, str]:
    return {"alpha": group.to_str(ct.alpha), "beta": group.to_str(ct.beta)}


def answer_encrypt(group: Group[E], y: E, prefix: str, question: Question, plaintext: Sequence[int]) -> dict[str, Any]:
    """Encrypt one homomorphic answer. `plaintext` has question.width 0/1 values (leading blank flag if allowed)."""
    if len(plaintext) != question.width or any(m not in (0, 1) for m in plaintext):
        raise ValueError("plaintext must have one 0/1 value per choice")
    rs = [group.random_scalar() for _ in plaintext]
    cts = [elgamal_encrypt(group, y, m, r) for m, r in zip(plaintext, rs, strict=True)]
    individual = [iprove(group, y, prefix, ct, r, m, (0, 1)) for ct, r, m in zip(cts, rs, plaintext, strict=True)]
    full_prefix = f"{prefix}|{','.join(ciphertext_str(group, ct) for ct in cts)}"
    answer: dict[str, Any] = {
        "choices": [ciphertext_json(group, ct) for ct in cts],
        "individual_proofs": [[proof_json(p) for p in proofs] for proofs in individual],
    }
    q = group.q
    if question.blank:
        blank = plaintext[0] == 1
        m_sum = sum(plaintext[1:])
        if (blank and m_sum != 0) or (not blank and not question.minimum <= m_sum <= question.maximum):
            raise ValueError("the plaintext violates the question's constraints")
        ct_sum = _product(group, cts[1:])
        blank_proof, overall = blank_proofs_prove(
            group, y, full_prefix, cts[0], rs[0], ct_sum, sum(rs[1:]) % q, m_sum,
            question.minimum, question.maximum, blank=blank,
        )  # fmt: skip
        answer["overall_proof"] = [proof_json(p) for p in overall]
        answer["blank_proof"] = [proof_json(p) for p in blank_proof]
        return answer
    m_sum = sum(plaintext)
    if not question.minimum <= m_sum <= question.maximum:
        raise ValueError("the plaintext violates the question's constraints")
    values = list(range(question.minimum, question.maximum + 1))
    overall = iprove(group, y, full_prefix, _product(group, cts), sum(rs) % q, values.index(m_sum), values)
    answer["overall_proof"] = [proof_json(p) for p in overall]
    return answer


def _product(group: Group[E], cts: Sequence[Ciphertext[E]]) -> Ciphertext[E]:
    acc = Ciphertext(group.one, group.one)
    for ct in cts:
        acc = ciphertext_mul(group, acc, ct)
    return acc


def ballot_create(
    group: Group[E],
    *,
    y: E,
    election_uuid: str,
    election_fingerprint: str,
    credential_secret: int,
    questions: Sequence[Question],
    plaintexts: Sequence[Sequence[int]],
) -> dict[str, Any]:
    """A complete signed ballot."""
    credential = group.to_str(group.g_pow(credential_secret))
    prefix = f"{election_fingerprint}|{credential}"
    ballot: dict[str, Any] = {
        "election_uuid": election_uuid,
        "election_hash": election_fingerprint,
        "credential": credential,
        "answers": [answer_encrypt(group, y, prefix, q, p) for q, p in zip(questions, plaintexts, strict=True)],
    }
    signed_hash = fingerprint(json_dumps(ballot))
    ballot["signature"] = {"hash": signed_hash, "proof": proof_json(ballot_sign(group, credential_secret, signed_hash))}
    return ballot
