"""Recognising an upload by its content, and what every step importer shares: opening the upload, choosing the zip
member, and the per-(day, source) tally it fills.

Residents upload whatever their phone gave them: Apple's `export.zip` or the `export.xml` inside it, a Health Connect
zip, a Google Takeout zip or the daily CSV from it. The file name is not trusted; the first bytes and, for a zip, the
member names decide. This module imports no reader at load time, because the readers import its helpers.
"""

from __future__ import annotations

import csv
import posixpath
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import BinaryIO, Final

from hiroba.health.importers.base import DayTotal, ImportRefused
from hiroba.health.importers.safezip import MAX_MEMBER_BYTES, open_archive

APPLE_HEALTH: Final = "apple_health"
HEALTH_CONNECT: Final = "health_connect"
GOOGLE_FIT: Final = "google_fit"
KINDS: Final = (APPLE_HEALTH, HEALTH_CONNECT, GOOGLE_FIT)

MAX_UPLOAD_BYTES = MAX_MEMBER_BYTES  # a bare export.xml is the largest thing anyone uploads
HEAD_BYTES = 64 * 1024  # enough for a CSV header line or an XML declaration
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, and an empty one

DATE_HEADERS: Final = frozenset({"date", "日付"})
STEPS_HEADERS: Final = frozenset({"step count", "歩数"})
FIT_DAILY_NAME = "daily activity metrics.csv"
_DATED_CSV = re.compile(r"\d{4}-\d{2}-\d{2}\.csv")  # Takeout's per-day files, which this project does not read
COPY_CHUNK = 1024 * 1024
MIN_SECONDS = 60.0  # a sample shorter than a minute is rated as one minute: 20 steps in 5 s is not 240/min
MAX_SAMPLE_STEPS = 10**9  # more steps than this in one sample is not data; the bound also keeps every sum exact


class Tally:
    """Counters per (local date, source), filled sample by sample. It stays small (days x sources) however large
    the export, which is what lets the importers stream."""

    def __init__(self) -> None:
        self._counters: dict[tuple[date, str], list[float]] = {}  # [steps, manual steps, highest steps per minute]

    def add(self, day: date, source: str, steps: float, manual: bool, seconds: float | None) -> None:
        """Count one sample of `steps` lasting `seconds` (None when unknown: it then sets no rate)."""
        counters = self._counters.get((day, source))
        if counters is None:
            counters = self._counters[day, source] = [0.0, 0.0, 0.0]
        if manual:  # typed-in steps earn nothing, so their rate does not matter to the fraud rules either
            counters[1] += steps
            return
        counters[0] += steps
        if seconds is not None:
            counters[2] = max(counters[2], steps * 60.0 / max(seconds, MIN_SECONDS))

    def totals(self) -> Iterator[DayTotal]:
        """One `DayTotal` per (day, source), sorted by day then source."""
        for (day, source), (steps, manual, rate) in sorted(self._counters.items()):
            yield DayTotal(day, source, round(steps), round(manual), rate)


def _too_big(limit: int) -> ImportRefused:
    return ImportRefused(
        "import.too_large",
        ja=f"ファイルが大きすぎます（上限 {limit // 1024**2:,} MB）。",
        en=f"The file is larger than {limit // 1024**2:,} MB.",
    )


@contextmanager
def seekable_upload(stream: BinaryIO, *, limit: int = MAX_UPLOAD_BYTES) -> Iterator[BinaryIO]:
    """`stream` from its current position, refused if longer than `limit`; a stream that cannot seek is first
    copied to a temporary file (zip archives and peeking at the head both need to seek)."""
    if stream.seekable():
        start = stream.tell()
        if stream.seek(0, 2) - start > limit:
            raise _too_big(limit)
        stream.seek(start)
        yield stream
        return
    with tempfile.TemporaryFile() as spool:
        copied = 0
        while chunk := stream.read(COPY_CHUNK):
            copied += len(chunk)
            if copied > limit:
                raise _too_big(limit)
            spool.write(chunk)
        spool.seek(0)
        yield spool


def head(stream: BinaryIO, size: int = HEAD_BYTES) -> bytes:
    """The first `size` bytes of a seekable stream, leaving its position where it was."""
    start = stream.tell()
    data = stream.read(size)
    stream.seek(start)
    return data


def is_zip(first: bytes) -> bool:
    return first.startswith(ZIP_MAGIC)


def _pick(names: Sequence[str], kind: str, preferred: str = "") -> str | None:
    if len(names) <= 1:
        return names[0] if names else None
    if preferred in names:
        return preferred
    raise ImportRefused(
        "import.ambiguous_member",
        ja="アーカイブに候補のファイルが複数あり、どれを読むか決められません。必要なファイルだけをアップロードしてください。",
        en=f"The archive holds several candidate files for {kind}; upload only the one to import.",
        where=", ".join(sorted(names)[:5]),
    )


def zip_member(archive: zipfile.ZipFile, kind: str) -> str | None:
    """The member of `archive` that holds data of `kind`, or None; several candidates are refused as ambiguous.

    Apple Health: a name ending `export.xml` (not `export_cda.xml`, the clinical records); Health Connect: the one
    `.db`; Google Fit: the daily-metrics CSV (any `.csv` not named after a date, for Takeouts in other languages).
    macOS `__MACOSX/` and `._` resource-fork entries never count.
    """
    names = [
        info.filename
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not posixpath.basename(info.filename).startswith("._")
    ]
    if kind == APPLE_HEALTH:
        xml = [name for name in names if name.lower().endswith("export.xml")]
        return _pick(xml, kind, "apple_health_export/export.xml")
    if kind == HEALTH_CONNECT:
        return _pick([name for name in names if name.lower().endswith(".db")], kind)
    daily = [name for name in names if posixpath.basename(name).lower() == FIT_DAILY_NAME]
    if daily:
        return _pick(daily, kind)
    csvs = [
        name for name in names if name.lower().endswith(".csv") and not _DATED_CSV.fullmatch(posixpath.basename(name))
    ]
    return _pick(csvs, kind)


def header_key(cell: str) -> str:
    """A CSV header cell as compared: NFKC (full-width letters, ideographic spaces), trimmed, spaces collapsed,
    case-folded; a stray BOM is dropped."""
    return " ".join(unicodedata.normalize("NFKC", cell).replace("\ufeff", "").split()).casefold()


def fit_columns(header: Sequence[str]) -> tuple[int, int] | None:
    """The positions of the date and step-count columns of a Google Fit daily CSV header, or None."""
    keys = [header_key(cell) for cell in header]
    date_at = next((at for at, key in enumerate(keys) if key in DATE_HEADERS), None)
    steps_at = next((at for at, key in enumerate(keys) if key in STEPS_HEADERS), None)
    if date_at is None or steps_at is None:
        return None
    return date_at, steps_at


def _looks_like_fit_csv(first: bytes) -> bool:
    line = first.split(b"\n", 1)[0]
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return fit_columns(next(csv.reader([text]), [])) is not None


def _unknown() -> ImportRefused:
    return ImportRefused(
        "import.unknown_kind",
        ja=(
            "対応していない形式のファイルです。"
            "Apple ヘルスケア、ヘルスコネクト、Google Fit の書き出しファイルを選んでください。"
        ),
        en="The file is not an Apple Health, Health Connect or Google Fit export.",
    )


def detect(stream: BinaryIO) -> str:
    """The kind of export in `stream` (one of `KINDS`), read from its content. A seekable stream is left where it
    was; one that cannot seek is used up (`read_steps` keeps a copy for the reader)."""
    with seekable_upload(stream) as upload:
        first = head(upload)
        if is_zip(first):
            start = upload.tell()
            with open_archive(upload) as archive:
                kind = next((kind for kind in KINDS if zip_member(archive, kind) is not None), None)
            upload.seek(start)
            if kind is None:
                raise _unknown()
            return kind
        text = first.lstrip(b"\xef\xbb\xbf \t\r\n")
        if text.startswith((b"<?xml", b"<!DOCTYPE", b"<HealthData")) and b"HealthData" in first:
            return APPLE_HEALTH
        if _looks_like_fit_csv(first):
            return GOOGLE_FIT
        raise _unknown()


def read_steps(stream: BinaryIO, kind: str | None = None) -> Iterator[DayTotal]:
    """Per-day, per-source step totals from an upload of `kind`, or of the kind `detect` finds."""
    # The readers import this module's helpers, so they are imported here rather than at the top.
    from hiroba.health.importers.apple import read_apple_health
    from hiroba.health.importers.google_fit import read_google_fit
    from hiroba.health.importers.health_connect import read_health_connect

    readers = {APPLE_HEALTH: read_apple_health, HEALTH_CONNECT: read_health_connect, GOOGLE_FIT: read_google_fit}
    with seekable_upload(stream) as upload:
        reader = readers.get(kind or detect(upload))
        if reader is None:
            raise _unknown()
        yield from reader(upload)
