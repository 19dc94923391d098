"""The Belenios event archive `<uuid>.bel` (specification 2.0, section 4.4; archive version 1).

An old-style (v7) tar archive, append-only. The first member is `BELENIOS`, a header
`{"version":1,"timestamp":"<unix seconds>"}`; then come content-addressed members named
`<sha256 hex of the bytes>.data.json` (payloads) and `<sha256 hex>.event.json` (events
`{"parent":H,"height":I,"type":T,"payload":H}`, parent absent on the first, payload absent on some).

The reader never extracts to disk: it parses tar headers itself, accepts only regular members with exactly
those names, refuses absurd sizes, and keeps the members in archive order with their raw bytes, which are
what the hashes are computed over. The writer produces the same layout (v7 headers, uid/gid 0, mode 0644,
the header's timestamp as mtime) and JSON in Belenios' serialisation: compact, fields in the order given,
non-ASCII as UTF-8.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

BLOCK = 512
HEADER_NAME = "BELENIOS"
ARCHIVE_VERSION = 1
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # one ballot is ~12 kB, one encrypted tally a few kB per question
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024
MAX_MEMBERS = 4_000_000
_NAME = re.compile(r"^([0-9a-f]{64})\.(data|event)\.json$")
EVENT_TYPES = (
    "Setup",
    "Ballot",
    "EndBallots",
    "EncryptedTally",
    "Shuffle",
    "EndShuffles",
    "PartialDecryption",
    "Result",
)


class ArchiveError(ValueError):
    """The file is not a well-formed, size-bounded Belenios archive."""


@dataclass(frozen=True, slots=True)
class Event:
    hash: str
    height: int
    type: str
    parent: str | None
    payload: str | None


@dataclass(slots=True)
class Archive:
    """The members of one archive, in order. `data` maps a payload hash to its raw bytes."""

    version: int
    timestamp: str
    header_raw: bytes
    data: dict[str, bytes] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    # (kind, hash) in archive order, kind being "data" or "event"; for the writer and for order checks.
    order: list[tuple[str, str]] = field(default_factory=list)
    event_raw: dict[str, bytes] = field(default_factory=dict)

    def json(self, digest: str) -> Any:
        return json_loads(self.data[digest])


def json_loads(raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate keys."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ArchiveError("duplicate key in a JSON object")
        return dict(pairs)

    def no_constants(name: str) -> Any:
        raise ArchiveError(f"invalid JSON constant {name}")

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ArchiveError(f"invalid JSON: {exc}") from exc


def json_dumps(value: Any) -> bytes:
    """Belenios' serialisation: compact, keys in the given order, UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --- tar -----------------------------------------------------------------------------------------------------


def _octal(field_bytes: bytes, what: str) -> int:
    text = field_bytes.replace(b"\0", b" ").strip()
    if not text:
        return 0
    if not re.fullmatch(rb"[0-7]+", text):
        raise ArchiveError(f"bad tar {what} field")
    return int(text, 8)


def _iter_members(stream: BinaryIO, *, max_total: int) -> Iterator[tuple[str, bytes]]:
    total = 0
    count = 0
    while True:
        header = stream.read(BLOCK)
        if len(header) == 0:
            return  # tolerate a missing end-of-archive marker (the file is append-only)
        if len(header) < BLOCK:
            raise ArchiveError("truncated tar header")
        if header == bytes(BLOCK):
            return
        checksum = _octal(header[148:156], "checksum")
        computed = sum(header[:148]) + 8 * 32 + sum(header[156:])
        if checksum != computed:
            raise ArchiveError("bad tar header checksum")
        name_bytes = header[:100].split(b"\0", 1)[0]
        prefix = header[345:500].split(b"\0", 1)[0] if header[257:262] == b"ustar" else b""
        if prefix:
            raise ArchiveError("unexpected path prefix in a tar member")
        try:
            name = name_bytes.decode("ascii")
        except UnicodeDecodeError as exc:
            raise ArchiveError("non-ASCII member name") from exc
        typeflag = header[156:157]
        if typeflag not in (b"0", b"\0"):
            raise ArchiveError(f"member {name!r} is not a regular file")
        size = _octal(header[124:136], "size")
        if size > MAX_MEMBER_BYTES:
            raise ArchiveError(f"member {name!r} is too large ({size} bytes)")
        count += 1
        total += size + BLOCK
        if count > MAX_MEMBERS or total > max_total:
            raise ArchiveError("archive exceeds the size limits")
        body = stream.read(size)
        if len(body) != size:
            raise ArchiveError(f"member {name!r} is truncated")
        padding = (-size) % BLOCK
        if padding and len(stream.read(padding)) != padding:
            raise ArchiveError(f"member {name!r} is truncated")
        yield name, body


def _parse_event(digest: str, raw: bytes) -> Event:
    value = json_loads(raw)
    if not isinstance(value, dict) or set(value) - {"parent", "height", "type", "payload"}:
        raise ArchiveError(f"event {digest} is not an event structure")
    height = value.get("height")
    kind = value.get("type")
    parent = value.get("parent")
    payload = value.get("payload")
    if not isinstance(height, int) or isinstance(height, bool) or height < 0:
        raise ArchiveError(f"event {digest} has no valid height")
    if kind not in EVENT_TYPES:
        raise ArchiveError(f"event {digest} has an unknown type {kind!r}")
    for name, ref in (("parent", parent), ("payload", payload)):
        if ref is not None and (not isinstance(ref, str) or not re.fullmatch(r"[0-9a-f]{64}", ref)):
            raise ArchiveError(f"event {digest} has an invalid {name} reference")
    return Event(hash=digest, height=height, type=kind, parent=parent, payload=payload)


def read_archive(path: str | Path, *, max_bytes: int = MAX_ARCHIVE_BYTES) -> Archive:
    """Parse `<uuid>.bel`. Raises ArchiveError on anything but the layout described above.

    Content addressing is checked here (a member whose name is not the SHA-256 of its bytes is refused);
    the hash chain and the meaning of the events are the verifier's business.
    """
    path = Path(path)
    if path.stat().st_size > max_bytes:
        raise ArchiveError(f"archive is larger than {max_bytes} bytes")
    with path.open("rb") as stream:
        members = _iter_members(stream, max_total=max_bytes)
        first = next(members, None)
        if first is None or first[0] != HEADER_NAME:
            raise ArchiveError("the archive does not start with a BELENIOS header")
        header = json_loads(first[1])
        if not isinstance(header, dict) or set(header) != {"version", "timestamp"}:
            raise ArchiveError("malformed BELENIOS header")
        version, timestamp = header["version"], header["timestamp"]
        if version != ARCHIVE_VERSION:
            raise ArchiveError(f"unsupported archive version {version!r} (this reader knows version 1)")
        if not isinstance(timestamp, str) or not timestamp.isdigit():
            raise ArchiveError("malformed timestamp in the BELENIOS header")
        archive = Archive(version=version, timestamp=timestamp, header_raw=first[1])
        for name, body in members:
            match = _NAME.match(name)
            if match is None:
                raise ArchiveError(f"unexpected member name {name!r}")
            digest, kind = match.group(1), match.group(2)
            if sha256_hex(body) != digest:
                raise ArchiveError(f"member {name} does not hash to its name")
            if kind == "data":
                archive.data.setdefault(digest, body)
            else:
                if digest in archive.event_raw:
                    raise ArchiveError(f"event {digest} appears twice")
                archive.events.append(_parse_event(digest, body))
                archive.event_raw[digest] = body
            archive.order.append((kind, digest))
    return archive


# --- writer --------------------------------------------------------------------------------------------------


def _tar_header(name: str, size: int, mtime: int) -> bytes:
    header = bytearray(BLOCK)
    header[0 : len(name)] = name.encode("ascii")
    header[100:108] = b"0000644\0"
    header[108:116] = b"0000000\0"
    header[116:124] = b"0000000\0"
    header[124:136] = f"{size:011o}\0".encode()
    header[136:148] = f"{mtime:011o}\0".encode()
    header[148:156] = b" " * 8
    header[156:157] = b"0"
    checksum = sum(header)
    header[148:156] = f"{checksum:06o}\0 ".encode()
    return bytes(header)


@dataclass(frozen=True, slots=True)
class Member:
    """One member to write: ("data", raw) or ("event", raw); the name is derived from the bytes."""

    kind: str
    raw: bytes


class ArchiveWriter:
    """Writes an archive member by member (append-only, like Belenios)."""

    def __init__(self, stream: BinaryIO, *, timestamp: str) -> None:
        self._stream = stream
        self._mtime = int(timestamp)
        header = json_dumps({"version": ARCHIVE_VERSION, "timestamp": timestamp})
        self._write("BELENIOS", header)

    def _write(self, name: str, raw: bytes) -> None:
        self._stream.write(_tar_header(name, len(raw), self._mtime))
        self._stream.write(raw)
        self._stream.write(bytes((-len(raw)) % BLOCK))

    def add_data(self, raw: bytes) -> str:
        digest = sha256_hex(raw)
        self._write(f"{digest}.data.json", raw)
        return digest

    def add_event(self, *, parent: str | None, height: int, type: str, payload: str | None) -> str:  # noqa: A002
        event: dict[str, Any] = {}
        if parent is not None:
            event["parent"] = parent
        event["height"] = height
        event["type"] = type
        if payload is not None:
            event["payload"] = payload
        raw = json_dumps(event)
        digest = sha256_hex(raw)
        self._write(f"{digest}.event.json", raw)
        return digest

    def add_raw_event(self, raw: bytes) -> str:
        digest = sha256_hex(raw)
        self._write(f"{digest}.event.json", raw)
        return digest

    def close(self) -> None:
        """Nothing to write: like Belenios, no end-of-archive blocks, so that events can be appended later
        (belenios-tool 2.0 reads headers up to the end of the file and rejects zero blocks)."""
        self._stream.flush()


def write_archive(path: str | Path, *, timestamp: str, members: Iterable[Member]) -> None:
    """Write a whole archive from members in order."""
    with Path(path).open("wb") as stream:
        write_archive_to(stream, timestamp=timestamp, members=members)


def write_archive_to(stream: BinaryIO, *, timestamp: str, members: Iterable[Member]) -> None:
    """Write a whole archive from members in order to an open binary stream (a file, a download)."""
    writer = ArchiveWriter(stream, timestamp=timestamp)
    for member in members:
        if member.kind == "data":
            writer.add_data(member.raw)
        elif member.kind == "event":
            writer.add_raw_event(member.raw)
        else:
            raise ValueError(f"unknown member kind {member.kind!r}")
    writer.close()
