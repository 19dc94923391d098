"""A whole homomorphic election simulated with hiroba's own generation code and written with our archive writer.

Used by the property tests and to make the Ed25519 fixture, which belenios-tool 2.0 cannot make (it knows
no Ed25519): `python -m hiroba.voting.tests.simulate OUT.bel [GROUP]`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from hiroba.voting.crypto.ballot import ballot_create, proof_json
from hiroba.voting.crypto.credentials import credential_generate, credential_secret
from hiroba.voting.crypto.groups import Group, group_by_name
from hiroba.voting.crypto.proofs import Ciphertext, ciphertext_mul, ciphertext_pow, decryption_factor_prove, pok_prove
from hiroba.voting.formats.archive import ArchiveWriter, json_dumps
from hiroba.voting.formats.structures import Question, fingerprint, parse_question

QUESTIONS: list[dict[str, Any]] = [
    {"answers": ["Park", "Library"], "blank": True, "min": 1, "max": 1, "question": "Which project first?"},
    {"answers": ["Mon", "Wed", "Fri"], "min": 1, "max": 2, "question": "Which days (one or two)?"},
]
VOTES = [
    [[0, 1, 0], [1, 0, 0]],
    [[0, 0, 1], [0, 1, 1]],
    [[1, 0, 0], [0, 1, 0]],
    [[0, 1, 0], [0, 0, 1]],
    [[0, 0, 1], [1, 1, 0]],
]
REVOTES = [[[0, 0, 1], [1, 0, 1]], [[0, 1, 0], [0, 1, 0]], [[0, 1, 0], [1, 0, 0]]]
WEIGHTS = [1, 2, 3, 4, 10]


@dataclass
class Simulated:
    path: Path
    expected_result: list[list[int]]


def simulate_election(
    path: Path,
    group: Group[Any],
    *,
    uuid: str = "HirobaSimu1ated",
    trustees: int = 3,
    weights: Sequence[int] = WEIGHTS,
    votes: Sequence[Sequence[Sequence[int]]] = VOTES,
    revotes: Sequence[Sequence[Sequence[int]]] = REVOTES,
    questions: Sequence[dict[str, Any]] = QUESTIONS,
    workers: int = 1,
) -> Simulated:
    """Votes[i] is voter i's first ballot, revotes[i] voter i's second; every trustee decrypts.

    With `workers` > 1 the ballots are built by that many spawned processes (for elections of thousands of
    ballots, as `bench/voting.py` makes); the archive is the same kind either way.
    """
    parsed: list[Question] = [parse_question(q, f"questions[{i}]") for i, q in enumerate(questions)]
    keys = [group.random_scalar() for _ in range(trustees)]
    trustees_json = [
        ["Single", {"pok": proof_json(pok_prove(group, x)), "public_key": group.to_str(group.g_pow(x))}] for x in keys
    ]
    y = group.g_pow(sum(keys) % group.q)
    election = {
        "version": 1,
        "description": "Hiroba simulated poll",
        "name": "Hiroba simulated",
        "group": group.name,
        "public_key": group.to_str(y),
        "questions": list(questions),
        "uuid": uuid,
    }
    election_raw = json_dumps(election)
    fp = fingerprint(election_raw)
    secrets_ = [credential_secret(group, credential_generate(), uuid) for _ in weights]
    public = [group.to_str(group.g_pow(s)) for s in secrets_]
    creds_json = [f"{c},{w}" for c, w in zip(public, weights, strict=True)]

    with path.open("wb") as stream:
        writer = ArchiveWriter(stream, timestamp=str(int(time.time())))
        setup = {
            "election": writer.add_data(election_raw),
            "trustees": writer.add_data(json_dumps(trustees_json)),
            "credentials": writer.add_data(json_dumps(creds_json)),
        }
        last = writer.add_event(parent=None, height=0, type="Setup", payload=writer.add_data(json_dumps(setup)))
        height = 0
        counted: dict[int, list[list[int]]] = {}
        cast = [(i, v) for i, v in enumerate(votes)] + [(i, v) for i, v in enumerate(revotes)]
        final_ballots: dict[int, dict[str, Any]] = {}
        jobs = [
            (group.name, group.to_str(y), uuid, fp, secrets_[voter], parsed, plaintexts) for voter, plaintexts in cast
        ]
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                ballots = list(pool.map(_ballot_job, jobs, chunksize=max(1, len(jobs) // (8 * workers))))
        else:
            ballots = [_ballot_job(job) for job in jobs]
        for (voter, plaintexts), ballot in zip(cast, ballots, strict=True):
            height += 1
            last = writer.add_event(
                parent=last, height=height, type="Ballot", payload=writer.add_data(json_dumps(ballot))
            )
            counted[voter] = [list(p) for p in plaintexts]
            final_ballots[voter] = ballot
        height += 1
        last = writer.add_event(parent=last, height=height, type="EndBallots", payload=None)

        tally = [[Ciphertext(group.one, group.one) for _ in range(q.width)] for q in parsed]
        for voter, ballot in final_ballots.items():
            for i, answer in enumerate(ballot["answers"]):
                for j, c in enumerate(answer["choices"]):
                    alpha, beta = group.decode_trusted(c["alpha"]), group.decode_trusted(c["beta"])  # ours
                    ct = ciphertext_pow(group, Ciphertext(alpha, beta), weights[voter])
                    tally[i][j] = ciphertext_mul(group, tally[i][j], ct)
        tally_json = [[{"alpha": group.to_str(c.alpha), "beta": group.to_str(c.beta)} for c in row] for row in tally]
        sized = {
            "num_tallied": len(final_ballots),
            "total_weight": sum(weights[v] for v in final_ballots),
            "encrypted_tally": writer.add_data(json_dumps(tally_json)),
        }
        height += 1
        last = writer.add_event(
            parent=last, height=height, type="EncryptedTally", payload=writer.add_data(json_dumps(sized))
        )
        for owner, x in enumerate(keys, start=1):
            pairs = [[decryption_factor_prove(group, fp, x, ct.alpha) for ct in row] for row in tally]
            pd = {
                "decryption_factors": [[group.to_str(f) for f, _ in row] for row in pairs],
                "decryption_proofs": [[proof_json(p) for _, p in row] for row in pairs],
            }
            owned = {"owner": owner, "payload": writer.add_data(json_dumps(pd))}
            height += 1
            last = writer.add_event(
                parent=last, height=height, type="PartialDecryption", payload=writer.add_data(json_dumps(owned))
            )
        result = [
            [sum(counted[v][i][j] * weights[v] for v in counted) for j in range(q.width)] for i, q in enumerate(parsed)
        ]
        height += 1
        writer.add_event(
            parent=last, height=height, type="Result", payload=writer.add_data(json_dumps({"result": result}))
        )
        writer.close()
    return Simulated(path, result)


_BallotJob = tuple[str, str, str, str, int, list[Question], Sequence[Sequence[int]]]


def _ballot_job(job: _BallotJob) -> dict[str, Any]:
    """One signed ballot (a top-level function, so that worker processes can run it)."""
    group_name, y_text, uuid, fp, secret, parsed, plaintexts = job
    group = group_by_name(group_name)
    return ballot_create(
        group, y=group.decode_trusted(y_text), election_uuid=uuid, election_fingerprint=fp,
        credential_secret=secret, questions=parsed, plaintexts=plaintexts,
    )  # fmt: skip


def many_voters(count: int) -> tuple[list[int], list[list[list[int]]]]:
    """Weights and first ballots of `count` voters (the fixture's five voters over and over), for benchmarks."""
    return [WEIGHTS[i % len(WEIGHTS)] for i in range(count)], [VOTES[i % len(VOTES)] for i in range(count)]


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    group = group_by_name(argv[1] if len(argv) > 1 else "Ed25519")
    simulated = simulate_election(out, group, uuid="HirobaEd25519Fixture1")
    sys.stdout.write(f"wrote {out}: result {simulated.expected_result}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
