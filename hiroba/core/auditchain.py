"""The audit hash chain, free of Django so that an auditor can re-check an export with nothing else.

Each record's hash covers its chain, sequence number, the previous record's hash, the time and the
pseudonymous references of who did what to what. Personal data never enters a record, so erasing a
person elsewhere never breaks a chain.
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

    def digest(self) -> str:
        body = {
            "v": 1,
            "chain": self.chain,
            "seq": self.seq,
            "prev": self.prev_hash,
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
        if link.digest() != link.hash:
            breaks.append(Break(chain, link.seq, "content does not match its hash: the record was altered"))
        expected_seq, prev = link.seq + 1, link.hash
    if expected_seq - 1 != head_seq or prev != head_hash:
        breaks.append(
            Break(chain, expected_seq - 1, f"chain head says record {head_seq}: records at the end are missing")
        )
    return breaks
