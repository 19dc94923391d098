"""The journal hash chain, free of Django so that an auditor can re-check an export with nothing else.

One chain per currency area (or per municipality outside any area): areas never wait on each other. A journal
joins its chain when it is final (posted, or voided after being pending); its hash covers the previous hash, its
place in the chain, and a digest of its idempotency key, kind, state, time and every posting with the lots each
posting used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from hiroba.core.auditchain import link_hash

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class PostingLink:
    debit: str  # account key
    credit: str
    unit: str
    amount: int
    lots: tuple[tuple[int, int], ...] = ()  # (lot id, signed amount) moved by this posting


@dataclass(frozen=True, slots=True)
class JournalLink:
    chain: str
    seq: int
    prev_hash: str
    key: str  # the idempotency key
    kind: str
    state: str
    final_at: str  # ISO 8601, UTC
    postings: Sequence[PostingLink]

    def body_digest(self) -> str:
        """SHA-256 of everything but the journal's place in the chain: known before the chain head is locked."""
        body = {
            "chain": self.chain,
            "key": self.key,
            "kind": self.kind,
            "state": self.state,
            "at": self.final_at,
            "postings": [[p.debit, p.credit, p.unit, p.amount, [list(lot) for lot in p.lots]] for p in self.postings],
        }
        canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def digest(self) -> str:
        return link_hash(self.prev_hash, self.seq, self.body_digest())


@dataclass(frozen=True, slots=True)
class ChainBreak:
    chain: str
    seq: int
    reason: str


def verify_chain(chain: str, links: Sequence[tuple[JournalLink, str]]) -> list[ChainBreak]:
    """Check (link, stored hash) pairs in sequence order: gap-free, linked, and each hash recomputed."""
    breaks: list[ChainBreak] = []
    previous = GENESIS
    for expected_seq, (link, stored) in enumerate(links, start=1):
        if link.seq != expected_seq:
            breaks.append(ChainBreak(chain, link.seq, f"sequence gap: expected {expected_seq}"))
        if link.prev_hash != previous:
            breaks.append(ChainBreak(chain, link.seq, "previous hash does not match"))
        if link.digest() != stored:
            breaks.append(ChainBreak(chain, link.seq, "hash does not match the journal's contents"))
        previous = stored
    return breaks
