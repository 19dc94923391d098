"""Rebuilding archives with changes, for the tamper tests: events are re-chained unless told otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hiroba.voting.formats.archive import (
    Archive,
    Member,
    json_dumps,
    json_loads,
    read_archive,
    sha256_hex,
    write_archive,
)

ARCHIVES = Path(__file__).parent / "archives"
FIXTURES = {
    "nofn-belenios2048": [[0, 9, 11], [14, 12, 5]],
    "threshold-belenios2048": [[0, 9, 11], [14, 12, 5]],
    "nofn-rfc3526": [[0, 9, 11], [14, 12, 5]],
    "nofn-ed25519-hiroba": [[0, 9, 11], [14, 12, 5]],
}


def fixture(name: str) -> Path:
    return ARCHIVES / f"{name}.bel"


def rebuild(
    source: Path,
    target: Path,
    *,
    change_data: Callable[[Any], Any] | None = None,
    select: Callable[[Archive, str], bool] | None = None,
    drop_events: Callable[[dict[str, Any]], bool] | None = None,
    rechain: bool = True,
    change_event: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Copy `source` to `target`: data selected by `select` is transformed by `change_data` (references are
    rewritten), events matching `drop_events` are left out, and the chain is recomputed when `rechain`."""
    archive = read_archive(source)
    renamed: dict[str, str] = {}
    members: list[Member] = []
    parent: str | None = None
    height = 0
    for kind, digest in archive.order:
        if kind == "data":
            raw = archive.data[digest]
            for old, new in renamed.items():
                raw = raw.replace(old.encode(), new.encode())
            if change_data is not None and select is not None and select(archive, digest):
                raw = json_dumps(change_data(json_loads(raw)))
            if sha256_hex(raw) != digest:
                renamed[digest] = sha256_hex(raw)
            members.append(Member("data", raw))
            continue
        event = json_loads(archive.event_raw[digest])
        if "payload" in event and event["payload"] in renamed:
            event["payload"] = renamed[event["payload"]]
        if drop_events is not None and drop_events(event):
            continue
        if rechain:
            event = {
                **({"parent": parent} if parent else {}),
                "height": height,
                **{k: v for k, v in event.items() if k in ("type", "payload")},
            }
        if change_event is not None:
            event = change_event(event)
        raw = json_dumps(event)
        parent = sha256_hex(raw)
        height += 1
        members.append(Member("event", raw))
    write_archive(target, timestamp=archive.timestamp, members=members)
