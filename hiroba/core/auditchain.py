"""The audit hash chain, free of Django so that an auditor can re-check an export with nothing else.

Each record's hash covers its chain, sequence number, the previous record's hash, the time and the
pseudonymous references of who did what to what. Personal data never enters a record, so erasing a
person elsewhere never breaks a chain.

Two formats, named by each record's `version`:
- 1: SHA-256 of one canonical JSON of everything, the sequence number and previous hash included.
- 2 (written since 2026-11): SHA-256 of "<previous hash>:<seq>:<body digest>", the body digest being SHA-256 of
  the canonical JSON of everything else. The body is hashed before the chain head is locked; the database
  computes the outer hash in the one statement that moves the head and inserts the record (as the ledger's
  journal chain does), so a chain is held for one statement instead of three.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
PLATFORM_CHAIN = "platform"
LINK_VERSION = 2  # the format audit_record writes

JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


def check_json(value: Any, path: str = "data") -> None:
    """Audit data holds only exact JSON values: no floats (they do not round-trip exactly), no objects."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings")
            check_json(item, f"{path}.{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not allowed in audit data")


def timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def link_hash(prev_hash: str, seq: int, body_digest: str) -> str:
    """A link's hash: SHA-256 of "<previous hash>:<seq>:<body digest>" in hex, the expression a database computes
    while it moves a chain head (the audit chain here, the ledger's journal chains too)."""
    return hashlib.sha256(f"{prev_hash}:{seq}:{body_digest}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Link:
    chain: str
    seq: int
    prev_hash: str
    occurred_at: datetime
    actor: str
    acting_for: str
    channel: str
    tag: str
    subject: str
    data: Mapping[str, Any]
    hash: str = ""
    version: int = LINK_VERSION

    def _canonical(self, body: dict[str, Any]) -> str:
        body |= {
            "v": self.version,
            "chain": self.chain,
            "at": timestamp(self.occurred_at),
            "actor": self.actor,
            "for": self.acting_for,
            "channel": self.channel,
            "tag": self.tag,
            "subject": self.subject,
            "data": self.data,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def body_digest(self) -> str:
        """Version 2: the digest of everything but the link's place in its chain (seq and previous hash)."""
        return self._canonical({})

    def digest(self) -> str:
        if self.version == 1:
            return self._canonical({"seq": self.seq, "prev": self.prev_hash})
        if self.version == LINK_VERSION:
            return link_hash(self.prev_hash, self.seq, self.body_digest())
        raise ValueError(f"unknown audit record version {self.version}")


@dataclass(frozen=True, slots=True)
class Break:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain} record {self.seq}: {self.reason}"


def verify_links(chain: str, links: Iterable[Link], *, head_seq: int, head_hash: str) -> list[Break]:
    """Check one chain, given in sequence order, against its recorded head. Returns every break found."""
    breaks: list[Break] = []
    expected_seq, prev = 1, GENESIS
    for link in links:
        if link.chain != chain:
            breaks.append(Break(chain, link.seq, f"belongs to chain {link.chain}"))
            continue
        if link.seq != expected_seq:
            breaks.append(Break(chain, link.seq, f"expected record {expected_seq}: records are missing"))
        if link.prev_hash != prev:
            breaks.append(Break(chain, link.seq, "previous-hash link does not match the record before it"))
        if link.version not in (1, LINK_VERSION) or link.digest() != link.hash:
            breaks.append(Break(chain, link.seq, "content does not match its hash: the record was altered"))
        expected_seq, prev = link.seq + 1, link.hash
    if expected_seq - 1 != head_seq or prev != head_hash:
        breaks.append(
            Break(chain, expected_seq - 1, f"chain head says record {head_seq}: records at the end are missing")
        )
    return breaks
