"""Checking one ballot (specification 2.0, sections 4.11–4.15); run in worker processes by the verifier.

Everything here is a pure function of the election context and the ballot's bytes, so chunks of ballots can be
checked in any process. The caller learns the tracker, the credential (canonical serialisation) and the
ciphertexts, and does the cross-ballot checks (credential listed, re-votes, tally) itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hiroba.voting.crypto.groups import Group, GroupError, group_by_name
from hiroba.voting.crypto.proofs import (
    Ciphertext,
    Proof,
    ballot_signature_verify,
    blank_proof_verify,
    ciphertext_mul,
    ciphertext_str,
    iproof_verify,
    overall_blank_proof_verify,
)
from hiroba.voting.formats.archive import ArchiveError, json_loads
from hiroba.voting.formats.structures import FormatError, Question, ballot_signed_hash, canonical_ballot, fingerprint


@dataclass(frozen=True, slots=True)
class BallotContext:
    """What a worker needs to check ballots: plain strings and tuples, so it pickles cheaply."""

    group: str
    public_key: str
    uuid: str
    fingerprint: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class BallotOutcome:
    index: int
    tracker: str
    credential: str | None
    # Per question, per choice: (alpha, beta) in the group's serialisation; empty when the ballot is invalid.
    choices: tuple[tuple[tuple[str, str], ...], ...]
    proofs: int
    error: str | None


_PRECOMPUTE_AFTER = 4


class _Checker:
    def __init__(self, context: BallotContext) -> None:
        self.context = context
        self.group: Group[Any] = group_by_name(context.group)
        self.y = self.group.parse(context.public_key)
        self._checked = 0

    def check(self, index: int, raw: bytes) -> BallotOutcome:
        self._checked += 1
        if self._checked == _PRECOMPUTE_AFTER:  # every proof raises y to a power: a table pays off over many ballots
            self.group.precompute(self.y)
        tracker = fingerprint(raw)
        credential: str | None = None
        try:
            ballot = canonical_ballot(json_loads(raw))
            credential = ballot["credential"]
            proofs = self._check(ballot)
        except (ArchiveError, FormatError, GroupError, BallotInvalid) as exc:
            return BallotOutcome(index, tracker, credential, (), 0, str(exc))
        choices = tuple(tuple((c["alpha"], c["beta"]) for c in answer["choices"]) for answer in ballot["answers"])
        return BallotOutcome(index, tracker, credential, choices, proofs, None)

    def _check(self, ballot: dict[str, Any]) -> int:
        group, context = self.group, self.context
        if ballot["election_uuid"] != context.uuid:
            raise BallotInvalid("election_uuid is not this election's")
        if ballot["election_hash"] != context.fingerprint:
            raise BallotInvalid("election_hash is not this election's fingerprint")
        credential = group.parse(ballot["credential"])
        signature = ballot["signature"]
        signed_hash = ballot_signed_hash(ballot)
        if signature["hash"] != signed_hash:
            raise BallotInvalid("the signature's hash is not the hash of the ballot without its signature")
        if not ballot_signature_verify(group, credential, signed_hash, _proof(group, signature["proof"])):
            raise BallotInvalid("invalid signature with the credential")
        answers = ballot["answers"]
        if len(answers) != len(context.questions):
            raise BallotInvalid(f"{len(answers)} answers for {len(context.questions)} questions")
        prefix = f"{context.fingerprint}|{group.to_str(credential)}"
        count = 1
        for number, (question, answer) in enumerate(zip(context.questions, answers, strict=True), start=1):
            count += self._check_answer(number, question, answer, prefix)
        return count

    def _check_answer(self, number: int, question: Question, answer: dict[str, Any], prefix: str) -> int:
        group, y = self.group, self.y
        where = f"question {number}"
        if not question.homomorphic:
            raise BallotInvalid(f"{where} is not homomorphic")
        choices = [Ciphertext(group.parse(c["alpha"]), group.parse(c["beta"])) for c in answer["choices"]]
        if len(choices) != question.width or len(answer["individual_proofs"]) != question.width:
            raise BallotInvalid(f"{where}: expected {question.width} choices with one individual proof each")
        for position, (ct, proof) in enumerate(zip(choices, answer["individual_proofs"], strict=True), start=1):
            if not iproof_verify(group, y, prefix, ct, [_proof(group, p) for p in proof], (0, 1)):
                raise BallotInvalid(f"{where}, choice {position}: invalid individual proof (0 or 1)")
        full_prefix = f"{prefix}|{','.join(ciphertext_str(group, ct) for ct in choices)}"
        overall = [_proof(group, p) for p in answer["overall_proof"]]
        if question.blank:
            if "blank_proof" not in answer:
                raise BallotInvalid(f"{where}: a blank-allowed question needs a blank_proof")
            ct_sum = _product(group, choices[1:])
            blank = [_proof(group, p) for p in answer["blank_proof"]]
            if not blank_proof_verify(group, y, full_prefix, choices[0], ct_sum, blank):
                raise BallotInvalid(f"{where}: invalid blank_proof (blank or no choice)")
            if not overall_blank_proof_verify(
                group, y, full_prefix, choices[0], ct_sum, overall, question.minimum, question.maximum
            ):
                raise BallotInvalid(f"{where}: invalid overall_proof (blank or between min and max)")
            return len(choices) + 2
        if "blank_proof" in answer:
            raise BallotInvalid(f"{where}: blank_proof on a question that does not allow blank votes")
        values = range(question.minimum, question.maximum + 1)
        if not iproof_verify(group, y, full_prefix, _product(group, choices), overall, values):
            raise BallotInvalid(f"{where}: invalid overall_proof (between min and max)")
        return len(choices) + 1


class BallotInvalid(ValueError):
    pass


def _proof(group: Group[Any], value: dict[str, str]) -> Proof:
    return Proof(group.parse_scalar(value["challenge"]), group.parse_scalar(value["response"]))


def _product(group: Group[Any], items: list[Ciphertext[Any]]) -> Ciphertext[Any]:
    acc = Ciphertext(group.one, group.one)
    for item in items:
        acc = ciphertext_mul(group, acc, item)
    return acc


_WORKER: _Checker | None = None


def worker_init(context: BallotContext) -> None:
    global _WORKER  # noqa: PLW0603 - one checker per worker process, built once by the pool initializer
    _WORKER = _Checker(context)


def check_chunk(chunk: list[tuple[int, bytes]]) -> list[BallotOutcome]:
    """Check a chunk of (index, raw ballot) in a worker initialised by worker_init."""
    if _WORKER is None:
        raise RuntimeError("worker_init was not called")
    return [_WORKER.check(index, raw) for index, raw in chunk]


def check_ballots_inline(context: BallotContext, ballots: list[tuple[int, bytes]]) -> list[BallotOutcome]:
    checker = _Checker(context)
    return [checker.check(index, raw) for index, raw in ballots]
