"""The .bel reader and writer: belenios-tool's archives read, re-serialise byte for byte, and bad input is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiroba.voting.formats import archive as archive_module
from hiroba.voting.formats.archive import (
    ArchiveError,
    ArchiveWriter,
    Member,
    json_dumps,
    json_loads,
    read_archive,
    sha256_hex,
    write_archive,
)
from hiroba.voting.tests.helpers import ARCHIVES, fixture

ALL = sorted(p.stem for p in ARCHIVES.glob("*.bel"))


@pytest.mark.parametrize("name", ALL)
def test_reads_fixture_and_reserialises_identically(name: str, tmp_path: Path) -> None:
    # given an archive (belenios-tool's, or ours for Ed25519)
    source = fixture(name)
    archive = read_archive(source)
    # then every member is content-addressed and our JSON serialisation reproduces its bytes
    assert archive.version == 1
    assert archive.events[0].type == "Setup"
    for raw in [*archive.data.values(), *archive.event_raw.values()]:
        assert json_dumps(json_loads(raw)) == raw
    # and writing the members again (events re-serialised) gives the same file, byte for byte
    members = [
        Member(kind, archive.data[h] if kind == "data" else json_dumps(json_loads(archive.event_raw[h])))
        for kind, h in archive.order
    ]
    write_archive(tmp_path / "copy.bel", timestamp=archive.timestamp, members=members)
    assert (tmp_path / "copy.bel").read_bytes() == source.read_bytes()


def test_event_hash_links_of_a_belenios_tool_archive() -> None:
    archive = read_archive(fixture("nofn-belenios2048"))
    for previous, event in zip(archive.events, archive.events[1:], strict=False):
        assert event.parent == previous.hash == sha256_hex(archive.event_raw[previous.hash])
        assert event.height == previous.height + 1


def _tar_with(tmp_path: Path, name: str, raw: bytes, *, typeflag: bytes = b"0") -> Path:
    path = tmp_path / "x.bel"
    with path.open("wb") as stream:
        writer = ArchiveWriter(stream, timestamp="1700000000")
        header = bytearray(archive_module._tar_header(name, len(raw), 1700000000))
        header[156:157] = typeflag
        header[148:156] = b" " * 8
        header[148:156] = f"{sum(header):06o}\0 ".encode()
        stream.write(bytes(header) + raw + bytes((-len(raw)) % 512))
        writer.close()
    return path


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "/abs.data.json", "x/../" + "0" * 64 + ".data.json", "A" * 64 + ".data.json"]
)
def test_refuses_unexpected_member_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ArchiveError, match="unexpected member name"):
        read_archive(_tar_with(tmp_path, name, b"{}"))


def test_refuses_member_not_hashing_to_its_name(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not hash to its name"):
        read_archive(_tar_with(tmp_path, "0" * 64 + ".data.json", b"{}"))


def test_refuses_links_and_directories(tmp_path: Path) -> None:
    raw = b"{}"
    with pytest.raises(ArchiveError, match="not a regular file"):
        read_archive(_tar_with(tmp_path, sha256_hex(raw) + ".data.json", raw, typeflag=b"2"))


def test_refuses_absurd_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_module, "MAX_MEMBER_BYTES", 10)
    raw = b'{"a":"0123456789"}'
    with pytest.raises(ArchiveError, match="too large"):
        read_archive(_tar_with(tmp_path, sha256_hex(raw) + ".data.json", raw))
    with pytest.raises(ArchiveError, match="larger than"):
        read_archive(fixture("nofn-belenios2048"), max_bytes=1000)


def test_refuses_non_archives(tmp_path: Path) -> None:
    (tmp_path / "a.bel").write_bytes(b"not a tar file" * 100)
    with pytest.raises(ArchiveError):
        read_archive(tmp_path / "a.bel")
    (tmp_path / "b.bel").write_bytes(bytes(1024))
    with pytest.raises(ArchiveError, match="BELENIOS header"):
        read_archive(tmp_path / "b.bel")


def test_refuses_duplicate_json_keys() -> None:
    with pytest.raises(ArchiveError, match="duplicate key"):
        json_loads(b'{"a":1,"a":2}')
