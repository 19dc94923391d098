"""Reading members of an uploaded zip without trusting it: bounded entry count, names that stay inside the archive,
and a decompressed-size limit enforced on the bytes actually produced (the header's sizes can lie)."""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, BinaryIO

from hiroba.health.importers.base import ImportRefused

MAX_MEMBERS = 10_000
MAX_RATIO = 200  # a real export compresses XML about 10-20x; a zip bomb compresses thousands of times
MAX_MEMBER_BYTES = 4 * 1024**3  # 4 GiB: the largest Apple Health export.xml we expect, with room


def _refuse_name(name: str) -> None:
    normalised = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or normalised.startswith("..") or ":" in name.split("/", 1)[0]:
        raise ImportRefused(
            "import.zip_path",
            ja="アーカイブの外を指すファイル名があります。",
            en="The archive names a file outside itself.",
            where=name,
        )


def open_archive(file: BinaryIO) -> zipfile.ZipFile:
    """Open `file` as a zip and check its directory: every name safe, not too many members, no symlinks."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(
            "import.bad_zip", ja="zip ファイルとして読めません。", en="The file is not a readable zip archive."
        ) from error
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(
            "import.zip_members",
            ja=f"アーカイブのファイル数が上限（{MAX_MEMBERS:,}）を超えています。",
            en=f"The archive holds more than {MAX_MEMBERS:,} files.",
        )
    for info in members:
        _refuse_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ImportRefused(
                "import.zip_path",
                ja="アーカイブにシンボリックリンクがあります。",
                en="The archive holds a symbolic link.",
                where=info.filename,
            )
    return archive


class _Bounded(io.RawIOBase):
    """A member's decompressed stream that fails once it passes `limit` bytes or `MAX_RATIO` x its compressed size."""

    def __init__(self, raw: IO[bytes], info: zipfile.ZipInfo, limit: int) -> None:
        self._raw = raw
        self._name = info.filename
        self._limit = min(limit, max(info.compress_size, 1) * MAX_RATIO)
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            chunk = self._raw.read(len(buffer))
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
            raise _damaged(self._name) from error
        self._read += len(chunk)
        if self._read > self._limit:
            raise ImportRefused(
                "import.zip_bomb",
                ja="アーカイブ内のファイルが展開後に異常に大きくなります。",
                en="A file in the archive expands far beyond its size.",
                where=self._name,
            )
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _damaged(name: str) -> ImportRefused:
    return ImportRefused(
        "import.bad_zip",
        ja="アーカイブ内のファイルが壊れています。",
        en="A file in the archive is damaged.",
        where=name,
    )


@contextmanager
def open_member(archive: zipfile.ZipFile, name: str, *, limit: int = MAX_MEMBER_BYTES) -> Iterator[BinaryIO]:
    """A buffered, size-bounded stream of one member; a corrupt member raises ImportRefused when read. Errors of the
    caller's own work inside the block (a full disk, say) pass through unchanged."""
    info = archive.getinfo(name)
    try:
        raw = archive.open(info)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise _damaged(name) from error
    with raw:
        yield io.BufferedReader(_Bounded(raw, info, limit), buffer_size=1024 * 1024)
