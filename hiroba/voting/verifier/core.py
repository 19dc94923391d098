"""The independent verifier of Belenios event archives (specification 2.0, section 3.5 "Audit").

`verify_archive` re-does every check an auditor must do after the tally, from the archive's bytes alone:
the hash chain, the election and trustees, every ballot's proofs and signature, one ballot per credential
with re-votes (the last one counts), the weighted encrypted tally, every partial decryption and the result.
It never raises on a bad archive: problems become `Report.errors`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from hiroba.voting.crypto.groups import Group, GroupError, group_by_name
from hiroba.voting.crypto.proofs import (
    Ciphertext,
    ciphertext_mul,
    ciphertext_pow,
    decryption_factor_verify,
)
from hiroba.voting.formats.archive import Archive, ArchiveError, Event, json_loads, read_archive
from hiroba.voting.formats.structures import (
    Election,
    FormatError,
    PublicCredential,
    parse_election,
    parse_public_credentials,
)
from hiroba.voting.verifier.ballots import BallotContext, BallotOutcome, check_ballots_inline, check_chunk, worker_init
from hiroba.voting.verifier.trustees import Failed, lagrange, pedersen_checked, proof_parsed, trustee_public_key

_PHASES = {
    "Setup": 0,
    "Ballot": 1,
    "EndBallots": 2,
    "EncryptedTally": 3,
    "Shuffle": 4,
    "EndShuffles": 5,
    "PartialDecryption": 6,
    "Result": 7,
}
_WITH_PAYLOAD = {"Setup", "Ballot", "EncryptedTally", "Shuffle", "PartialDecryption", "Result"}
_CHUNK = 25
_INLINE_BELOW = 24  # a process pool costs more than it saves for a handful of ballots


@dataclass(frozen=True)
class Report:
    ok: bool
    checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    result: list[list[Any]] | None = None

    def render(self) -> str:
        lines = [f"✓ {line}" for line in self.checks] + [f"✗ {line}" for line in self.errors]
        lines.append("VALID" if self.ok else f"INVALID ({len(self.errors)} error(s))")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Slot:
    """One trustee who may publish a partial decryption: its key and where it sits in the trustees list."""

    kind_index: int
    public_key: Any
    pedersen_index: int | None  # 1-based index among the Pedersen item's trustees


@dataclass
class _Kind:
    single: bool
    slots: list[int]  # owner numbers (1-based, across the flattened trustees list)
    threshold: int


class _Verifier:
    def __init__(self, archive: Archive, workers: int | None) -> None:
        self.archive = archive
        self.workers = workers
        self.checks: list[str] = []
        self.errors: list[str] = []
        self.referenced: set[str] = set()
        self.result: list[list[Any]] | None = None
        self._positions: dict[tuple[str, str], int] = {}  # archive.order.index, in one pass (first occurrence)
        for i, member in enumerate(archive.order):
            self._positions.setdefault(member, i)

    # -- helpers ------------------------------------------------------------------------------------------------
    def payload(self, digest: str | None, what: str, before: int) -> Any:
        """The JSON payload `digest`, which must be a data member placed before archive position `before`."""
        if digest is None or digest not in self.archive.data:
            raise Failed(f"{what}: payload {digest} is missing from the archive")
        if self._positions[("data", digest)] > before:
            raise Failed(f"{what}: payload {digest} comes after the event that refers to it")
        self.referenced.add(digest)
        try:
            return json_loads(self.archive.data[digest])
        except ArchiveError as exc:
            raise Failed(f"{what}: {exc}") from exc

    def position(self, event: Event) -> int:
        return self._positions[("event", event.hash)]

    # -- the checks ---------------------------------------------------------------------------------------------
    def run(self) -> None:
        archive = self.archive
        self.checks.append(
            f"archive: header version {archive.version}, {len(archive.order)} members, each named by the SHA-256 of"
            " its content"
        )
        events = archive.events
        self.check_chain(events)
        setup_event = events[0]
        setup = self.payload(setup_event.payload, "Setup event", self.position(setup_event))
        if not isinstance(setup, dict) or set(setup) != {"election", "trustees", "credentials"}:
            raise Failed("Setup payload is not a setup_data structure {election, trustees, credentials}")
        before = self.position(setup_event)
        election_raw_hash = setup["election"]
        election_value = self.payload(election_raw_hash, "election", before)
        try:
            election = parse_election(archive.data[election_raw_hash], election_value)
        except FormatError as exc:
            raise Failed(str(exc)) from exc
        if election.version != 1:
            raise Failed(f"election version {election.version} is not supported (this verifier knows version 1)")
        non_h = [i for i, q in enumerate(election.questions, start=1) if not q.homomorphic]
        if non_h:
            raise Failed(
                f"the election has non-homomorphic (mixnet) question(s) {', '.join(map(str, non_h))}: shuffle proofs"
                " are not verified by this verifier, so the archive is refused"
            )
        try:
            group: Group[Any] = group_by_name(election.group)
            y = group.parse(election.public_key)
        except GroupError as exc:
            raise Failed(f"election: {exc}") from exc
        self.checks.append(
            f"election: uuid {election.uuid}, group {group.name}, {len(election.questions)} homomorphic question(s),"
            f" fingerprint {election.fingerprint}"
        )
        slots, kinds = self.check_trustees(group, y, self.payload(setup["trustees"], "trustees", before))
        credentials_value = self.payload(setup["credentials"], "public credentials", before)
        ballot_events = [e for e in events if e.type == "Ballot"]
        with ExitStack() as stack:
            # the workers start on the ballots while this process checks the credentials
            try:
                pending: Callable[[], list[BallotOutcome]] | Failed = self.start_ballots(
                    group, y, election, ballot_events, stack
                )
            except Failed as exc:  # reported after the credentials' own errors, as when checked in that order
                pending = exc
            credentials = self.check_credentials(group, credentials_value)
            if isinstance(pending, Failed):
                raise pending
            outcomes = self.check_ballots(pending())
        counted = self.check_revotes(credentials, outcomes)

        tally_events = [e for e in events if e.type == "EncryptedTally"]
        if not tally_events:
            self.checks.append("tally: not yet computed (the election is still open or not tallied)")
            return
        tally = self.check_tally(group, election, tally_events[0], counted, credentials)
        self.check_decryptions(group, election, slots, kinds, tally, credentials, counted)

    def check_chain(self, events: list[Event]) -> None:  # noqa: PLR0912 - one branch per protocol rule
        if not events:
            raise Failed("the archive has no events")
        previous: Event | None = None
        phase = -1
        seen: dict[str, int] = {}
        for event in events:
            where = f"event {event.height} ({event.type})"
            expected_height = 0 if previous is None else previous.height + 1
            if event.height != expected_height:
                raise Failed(f"{where}: height {event.height}, expected {expected_height}")
            if previous is None:
                if event.parent is not None or event.type != "Setup":
                    raise Failed("the first event must be a Setup event without parent")
            elif event.parent != previous.hash:
                raise Failed(f"{where}: broken hash link (parent {event.parent} is not the previous event)")
            if (event.payload is not None) != (event.type in _WITH_PAYLOAD):
                raise Failed(f"{where}: payload {'missing' if event.payload is None else 'not allowed'}")
            new_phase = _PHASES[event.type]
            if new_phase < phase or (
                new_phase == phase and event.type not in {"Ballot", "Shuffle", "PartialDecryption"}
            ):
                raise Failed(f"{where}: out of order after a {previous.type if previous else '-'} event")
            if event.type in {"EncryptedTally"} and phase != _PHASES["EndBallots"]:
                raise Failed(f"{where}: the encrypted tally must directly follow EndBallots")
            if event.type == "PartialDecryption" and phase < _PHASES["EncryptedTally"]:
                raise Failed(f"{where}: partial decryption before the encrypted tally")
            if event.type == "Result" and phase != _PHASES["PartialDecryption"]:
                raise Failed(f"{where}: result without partial decryptions")
            if event.payload is not None and event.type == "Ballot":
                if event.payload in seen:
                    raise Failed(f"{where}: the same ballot was already posted at height {seen[event.payload]}")
                seen[event.payload] = event.height
            if event.payload is not None and self.archive.order.index(("event", event.hash)) < (
                self.archive.order.index(("data", event.payload)) if event.payload in self.archive.data else 0
            ):
                raise Failed(f"{where}: payload comes after the event")
            phase = new_phase
            previous = event
        counts: dict[str, int] = {}
        for event in events:
            counts[event.type] = counts.get(event.type, 0) + 1
        summary = ", ".join(f"{n} {t}" for t, n in counts.items())
        self.checks.append(
            f"events: {len(events)} events ({summary}); heights 0..{len(events) - 1}; every parent hash links to the"
            " previous event; event order follows the protocol"
        )

    def check_trustees(self, group: Group[Any], y: Any, value: Any) -> tuple[list[_Slot], list[_Kind]]:
        if not isinstance(value, list) or not value:
            raise Failed("trustees: expected a non-empty list of trustee kinds")
        slots: list[_Slot] = []
        kinds: list[_Kind] = []
        sub_keys = []
        singles = 0
        pedersen_notes = []
        try:
            for index, item in enumerate(value):
                if not (isinstance(item, list) and len(item) == 2 and item[0] in {"Single", "Pedersen"}):  # noqa: PLR2004
                    raise Failed(f'trustees[{index}]: expected ["Single", key] or ["Pedersen", parameters]')
                if item[0] == "Single":
                    key = trustee_public_key(group, item[1], f"trustees[{index}]")
                    slots.append(_Slot(index, key, None))
                    kinds.append(_Kind(single=True, slots=[len(slots)], threshold=1))
                    sub_keys.append(key)
                    singles += 1
                else:
                    sub_key, keys, threshold = pedersen_checked(group, item[1], f"trustees[{index}]")
                    first = len(slots) + 1
                    for number, key in enumerate(keys, start=1):
                        slots.append(_Slot(index, key, number))
                    kinds.append(_Kind(single=False, slots=list(range(first, len(slots) + 1)), threshold=threshold))
                    sub_keys.append(sub_key)
                    pedersen_notes.append(
                        f"Pedersen {threshold}-of-{len(keys)}: {len(keys)} certificates and {len(keys)} coefficient"
                        " commitments with valid signatures, every verification key matches the commitments and"
                        " carries a valid proof of knowledge"
                    )
        except (GroupError, KeyError, TypeError) as exc:
            raise Failed(f"trustees: malformed structure ({exc})") from exc
        if group.prod(sub_keys) != y:
            raise Failed("election public key is not the product of the trustees' sub-keys")
        parts = []
        if singles:
            parts.append(f"{singles} Single trustee key(s) with valid proofs of knowledge")
        parts += pedersen_notes
        self.checks.append(f"trustees: {'; '.join(parts)}; the election public key is the product of the sub-keys")
        return slots, kinds

    def check_credentials(self, group: Group[Any], value: Any) -> dict[str, int]:
        try:
            parsed: list[PublicCredential] = parse_public_credentials(value)
        except FormatError as exc:
            raise Failed(str(exc)) from exc
        weights: dict[str, int] = {}
        for i, item in enumerate(parsed):
            try:
                canonical = group.to_str(group.parse(item.credential))
            except GroupError as exc:
                raise Failed(f"public_credentials[{i}]: {exc}") from exc
            if canonical in weights:
                raise Failed(f"public_credentials[{i}]: duplicate public credential")
            weights[canonical] = item.weight
        total = sum(weights.values())
        if total >= group.q:
            raise Failed("public credentials: the total weight does not fit the group order")
        self.checks.append(
            f"credentials: {len(weights)} distinct public credentials in the group, total weight {total}"
        )
        return weights

    def start_ballots(
        self, group: Group[Any], y: Any, election: Election, ballot_events: list[Event], stack: ExitStack
    ) -> Callable[[], list[BallotOutcome]]:
        """Start checking the ballots (in worker processes, unless few); the result gives their outcomes."""
        context = BallotContext(
            group=group.name,
            public_key=group.to_str(y),
            uuid=election.uuid,
            fingerprint=election.fingerprint,
            questions=election.questions,
        )
        items: list[tuple[int, bytes]] = []
        for event in ballot_events:
            assert event.payload is not None  # noqa: S101 - guaranteed by check_chain
            self.payload(event.payload, f"ballot at height {event.height}", self.position(event))
            items.append((event.height, self.archive.data[event.payload]))
        workers = self.workers or os.cpu_count() or 1
        if workers <= 1 or (self.workers is None and len(items) < _INLINE_BELOW):
            return lambda: check_ballots_inline(context, items)
        chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("spawn"), initializer=worker_init, initargs=(context,)
        )
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)  # on an error, the chunks not started are dropped
        results = pool.map(check_chunk, chunks)  # submitted now
        return lambda: [outcome for chunk in results for outcome in chunk]

    def check_ballots(self, outcomes: list[BallotOutcome]) -> list[BallotOutcome]:
        bad = [o for o in outcomes if o.error is not None]
        for outcome in bad:
            self.errors.append(f"ballot at height {outcome.index} (tracker {outcome.tracker}): {outcome.error}")
        proofs = sum(o.proofs for o in outcomes)
        if not bad:
            self.checks.append(
                f"ballots: {len(outcomes)} ballot(s): election uuid and fingerprint, signature with the credential,"
                f" {proofs} signature/individual/overall/blank proofs, all valid"
            )
        return outcomes

    def check_revotes(self, credentials: dict[str, int], outcomes: list[BallotOutcome]) -> list[BallotOutcome]:
        last: dict[str, BallotOutcome] = {}
        unknown = 0
        for outcome in outcomes:
            if outcome.error is not None or outcome.credential is None:
                continue
            key = outcome.credential
            if key not in credentials:
                unknown += 1
                self.errors.append(
                    f"ballot at height {outcome.index} (tracker {outcome.tracker}):"
                    " credential not in the public credentials"
                )
                continue
            last.pop(key, None)
            last[key] = outcome
        counted = list(last.values())
        weight = sum(credentials[o.credential] for o in counted if o.credential is not None)
        if not unknown:
            self.checks.append(
                f"re-votes: {len(outcomes)} ballot(s) from {len(counted)} credential(s), all listed; {len(counted)}"
                f" counted (the last ballot of each credential), total weight {weight}"
            )
        return counted

    def check_tally(
        self,
        group: Group[Any],
        election: Election,
        event: Event,
        counted: list[BallotOutcome],
        credentials: dict[str, int],
    ) -> list[list[Ciphertext[Any]]]:
        sized = self.payload(event.payload, "EncryptedTally event", self.position(event))
        if not isinstance(sized, dict) or set(sized) != {"num_tallied", "total_weight", "encrypted_tally"}:
            raise Failed("EncryptedTally payload is not a sized_encrypted_tally")
        raw_tally = self.payload(sized["encrypted_tally"], "encrypted tally", self.position(event))
        weights = [credentials[o.credential] for o in counted if o.credential is not None]
        if sized["num_tallied"] != len(counted):
            self.errors.append(f"encrypted tally: num_tallied {sized['num_tallied']} but {len(counted)} ballots count")
        if sized["total_weight"] != sum(weights):
            self.errors.append(
                f"encrypted tally: total_weight {sized['total_weight']} but the counted weight is {sum(weights)}"
            )
        expected = [
            [Ciphertext(group.one, group.one) for _ in range(question.width)] for question in election.questions
        ]
        # Π ct^weight, grouped by weight: Π_w (Π_{ballots of weight w} ct)^w, one exponentiation per weight
        trusted = group.decode_trusted
        by_weight: dict[int, list[list[Ciphertext[Any]]]] = {}
        for outcome, weight in zip(counted, weights, strict=True):
            if weight not in by_weight:
                by_weight[weight] = [[Ciphertext(group.one, group.one) for _ in row] for row in expected]
            acc = by_weight[weight]
            for i, answer in enumerate(outcome.choices):
                for j, (alpha, beta) in enumerate(answer):
                    acc[i][j] = ciphertext_mul(group, acc[i][j], Ciphertext(trusted(alpha), trusted(beta)))
        for weight, acc in by_weight.items():
            for i, row in enumerate(acc):
                for j, ct in enumerate(row):
                    weighted = ct if weight == 1 else ciphertext_pow(group, ct, weight)
                    expected[i][j] = ciphertext_mul(group, expected[i][j], weighted)
        try:
            published = [
                [Ciphertext(group.parse(c["alpha"]), group.parse(c["beta"])) for c in row] for row in raw_tally
            ]
        except (GroupError, KeyError, TypeError) as exc:
            raise Failed(f"encrypted tally: malformed ({exc})") from exc
        if published != expected:
            raise Failed("encrypted tally: differs from the product of the counted ballots raised to their weights")
        self.checks.append(
            f"encrypted tally: recomputed from the {len(counted)} counted ballot(s) with their weights; it matches"
            f" (num_tallied {sized['num_tallied']}, total_weight {sized['total_weight']})"
        )
        return published

    def check_decryptions(  # noqa: PLR0917 - internal step of run(), called once
        self,
        group: Group[Any],
        election: Election,
        slots: list[_Slot],
        kinds: list[_Kind],
        tally: list[list[Ciphertext[Any]]],
        credentials: dict[str, int],
        counted: list[BallotOutcome],
    ) -> None:
        factors: dict[int, list[list[Any]]] = {}
        proofs = 0
        for event in (e for e in self.archive.events if e.type == "PartialDecryption"):
            where = f"partial decryption at height {event.height}"
            owned = self.payload(event.payload, where, self.position(event))
            if not isinstance(owned, dict) or set(owned) != {"owner", "payload"}:
                raise Failed(f"{where}: expected an owned_partial_decryption {{owner, payload}}")
            owner = owned["owner"]
            if not isinstance(owner, int) or isinstance(owner, bool) or not 1 <= owner <= len(slots):
                raise Failed(f"{where}: owner {owner!r} is not a trustee (1..{len(slots)})")
            if owner in factors:
                raise Failed(f"{where}: trustee {owner} already published a partial decryption")
            pd = self.payload(owned["payload"], where, self.position(event))
            factors[owner], count = self.check_partial_decryption(group, election, slots[owner - 1], tally, pd, where)
            proofs += count
        self.checks.append(
            f"partial decryptions: {len(factors)} trustee(s) ({', '.join(map(str, sorted(factors)))}), {proofs}"
            " decryption factors with valid proofs"
        )
        result_events = [e for e in self.archive.events if e.type == "Result"]
        if not result_events:
            self.checks.append("result: not yet published")
            return
        event = result_events[0]
        value = self.payload(event.payload, "Result event", self.position(event))
        if not isinstance(value, dict) or set(value) != {"result"} or not isinstance(value["result"], list):
            raise Failed("Result payload is not a result structure {result}")
        combined = self.combine(group, kinds, factors, tally)
        total = sum(credentials[o.credential] for o in counted if o.credential is not None)
        result = value["result"]
        if len(result) != len(tally) or any(
            not isinstance(row, list) or len(row) != len(cts) for row, cts in zip(result, tally, strict=False)
        ):
            raise Failed("result: its shape differs from the questions'")
        counts = 0
        for i, (row, cts) in enumerate(zip(result, tally, strict=True), start=1):
            for j, (claimed, ct) in enumerate(zip(row, cts, strict=True), start=1):
                number = _count(claimed)
                if number is None or not 0 <= number <= total:
                    raise Failed(f"result: question {i}, answer {j}: {claimed!r} is not a count between 0 and {total}")
                if group.g_pow(number) != group.div(ct.beta, combined[i - 1][j - 1]):
                    raise Failed(f"result: question {i}, answer {j}: {claimed} is not the decryption of the tally")
                counts += 1
        self.result = result
        self.checks.append(f"result: all {counts} count(s) are the decryption of the encrypted tally (g^count = β / F)")

    def check_partial_decryption(  # noqa: PLR0917 - internal step, called once per trustee
        self,
        group: Group[Any],
        election: Election,
        slot: _Slot,
        tally: list[list[Ciphertext[Any]]],
        pd: Any,
        where: str,
    ) -> tuple[list[list[Any]], int]:
        if not isinstance(pd, dict) or set(pd) != {"decryption_factors", "decryption_proofs"}:
            raise Failed(f"{where}: expected {{decryption_factors, decryption_proofs}}")
        dfs, dps = pd["decryption_factors"], pd["decryption_proofs"]
        shape = [len(row) for row in tally]
        if (
            not isinstance(dfs, list)
            or not isinstance(dps, list)
            or [len(r) if isinstance(r, list) else -1 for r in dfs] != shape
            or [len(r) if isinstance(r, list) else -1 for r in dps] != shape
        ):
            raise Failed(f"{where}: decryption factors and proofs do not have the shape of the encrypted tally")
        parsed: list[list[Any]] = []
        count = 0
        try:
            for i, (row_f, row_p, cts) in enumerate(zip(dfs, dps, tally, strict=True), start=1):
                parsed_row = []
                for j, (f, p, ct) in enumerate(zip(row_f, row_p, cts, strict=True), start=1):
                    factor = group.parse(f)
                    if not decryption_factor_verify(
                        group, election.fingerprint, slot.public_key, ct.alpha, factor, proof_parsed(group, p)
                    ):
                        raise Failed(f"{where}: question {i}, answer {j}: invalid decryption proof")
                    parsed_row.append(factor)
                    count += 1
                parsed.append(parsed_row)
        except (GroupError, KeyError, TypeError) as exc:
            raise Failed(f"{where}: malformed ({exc})") from exc
        return parsed, count

    def combine(
        self,
        group: Group[Any],
        kinds: list[_Kind],
        factors: dict[int, list[list[Any]]],
        tally: list[list[Ciphertext[Any]]],
    ) -> list[list[Any]]:
        combined = [[group.one for _ in row] for row in tally]
        for kind in kinds:
            present = [owner for owner in kind.slots if owner in factors]
            if kind.single:
                if not present:
                    raise Failed(f"result: the partial decryption of mandatory trustee {kind.slots[0]} is missing")
                coefficients = {present[0]: 1}
            else:
                if len(present) < kind.threshold:
                    raise Failed(
                        f"result: {len(present)} partial decryption(s) from threshold trustees, {kind.threshold} needed"
                    )
                indexes = {owner: owner - kind.slots[0] + 1 for owner in present}
                coefficients = {owner: lagrange(indexes[owner], list(indexes.values()), group.q) for owner in present}
            for owner, coefficient in coefficients.items():
                for i, row in enumerate(factors[owner]):
                    for j, factor in enumerate(row):
                        combined[i][j] = group.mul(combined[i][j], group.pow(factor, coefficient))
        return combined


def _count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def verify_archive(path: str | Path, *, workers: int | None = None) -> Report:
    """Verify a Belenios event archive; `workers` processes check the ballots (None: one per core, 1: inline)."""
    try:
        archive = read_archive(path)
    except (ArchiveError, OSError) as exc:
        return Report(ok=False, errors=[f"archive: {exc}"])
    verifier = _Verifier(archive, workers)
    try:
        verifier.run()
    except Failed as exc:
        verifier.errors.append(str(exc))
    if not verifier.errors:
        unreferenced = set(archive.data) - verifier.referenced
        if unreferenced:
            verifier.errors.append(f"archive: {len(unreferenced)} data member(s) referenced by no event")
    return Report(ok=not verifier.errors, checks=verifier.checks, errors=verifier.errors, result=verifier.result)
