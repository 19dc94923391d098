"""Steps from an Apple Health export: `export.zip` (its `apple_health_export/export.xml`) or the bare `export.xml`.

The XML is parsed as a stream with lxml, elements are dropped once read, and only per-(day, source) counters are kept,
so memory stays flat on exports of several GB. Only top-level `HKQuantityTypeIdentifierStepCount` records count:
the copies nested in a `<Correlation>` repeat top-level records. A record's day is the date written in its own
`startDate`, in the offset it carries. Records marked `HKWasUserEntered` are typed-in steps and go to
`manual_steps`. Entity declarations are refused before the parser sees them, so nothing can be expanded or fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO, cast

from lxml import etree

from hiroba.health.importers.base import DayTotal, ImportRefused
from hiroba.health.importers.detect import (
    APPLE_HEALTH,
    MAX_SAMPLE_STEPS,
    Tally,
    head,
    is_zip,
    seekable_upload,
    zip_member,
)
from hiroba.health.importers.safezip import open_archive, open_member

STEP_TYPE = "HKQuantityTypeIdentifierStepCount"
USER_ENTERED = "HKWasUserEntered"
_ENTITY = b"<!ENTITY"
_OFFSET = re.compile(r" [+-][0-9]{4}")
_DROP_EVERY = 1000  # finished top-level elements dropped from the tree at once: fewer calls, under 1 MB held


class _NoEntities:
    """The XML bytes as lxml reads them, refused as soon as `<!ENTITY` appears: a billion-laughs bomb or an external
    entity is stopped before the parser is given the declaration. Apple's DTD declares attributes only.

    Entities can only be declared in the DTD, which comes before the root element; once the parser has reported an
    element, `past_prolog` stops the scanning."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._tail = b""
        self.past_prolog = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if self.past_prolog:
            return chunk
        if _ENTITY in chunk or _ENTITY in self._tail + chunk[: len(_ENTITY) - 1]:
            raise ImportRefused(
                "import.xml_entities",
                ja="XML に実体（ENTITY）宣言があります。Apple ヘルスケアの書き出しには含まれないため、読み込みません。",
                en="The XML declares entities, which an Apple Health export never does; it is not read.",
            )
        self._tail = (self._tail + chunk[1 - len(_ENTITY) :])[1 - len(_ENTITY) :]  # the stream's last 7 bytes
        return chunk


def _bad_record(record: etree._Element, code: str, *, ja: str, en: str) -> ImportRefused:
    return ImportRefused(code, ja=ja, en=en, where=f"Record, line {record.sourceline}")


class _Offsets(dict[str, float]):
    """Apple's UTC offsets as written after the time (`" +0900"`), in seconds, parsed once each: an export holds
    a handful (the offset current when it was made, and the ones it was made in before)."""

    def __missing__(self, text: str) -> float:
        if not _OFFSET.fullmatch(text) or int(text[2:4]) > 23 or int(text[4:6]) > 59:  # noqa: PLR2004 (clock limits)
            raise ValueError(text)
        offset = (int(text[2:4]) * 3600 + int(text[4:6]) * 60) * (-1.0 if text[1] == "-" else 1.0)
        self[text] = offset
        return offset


_OFFSETS = _Offsets()
_parse_local = datetime.fromisoformat


def _span(start: str, end: str) -> tuple[datetime, float]:
    """The start of `2024-01-01 09:00:00 +0900` .. `2024-01-01 09:10:00 +0900` as its wall-clock time (no zone),
    and the length in seconds. ValueError or TypeError for any other form, or a naive/aware mix; the caller checks
    that the start is naive. It runs for every step record, hence the plain arithmetic on naive times."""
    begins = _parse_local(start[:19])
    return begins, (_parse_local(end[:19]) - begins).total_seconds() + _OFFSETS[start[19:]] - _OFFSETS[end[19:]]


def _refusal(record: etree._Element) -> ImportRefused:
    """Why a step record that failed the fast path in `_add` cannot be counted."""
    if record.get("unit") != "count":
        return _bad_record(
            record,
            "import.bad_unit",
            ja="歩数の記録の単位が「count」ではありません。",
            en='A step record\'s unit is not "count".',
        )
    if not record.get("sourceName"):
        return _bad_record(
            record,
            "import.bad_source",
            ja="歩数の記録に記録元（sourceName）がありません。",
            en="A step record has no sourceName.",
        )
    try:
        start, seconds = _span(record.get("startDate", ""), record.get("endDate", ""))
    except (TypeError, ValueError):
        start = None
    if start is None or start.tzinfo is not None:
        return _bad_record(
            record,
            "import.bad_date",
            ja="歩数の記録の日時が読めません。",
            en="A step record has a date that cannot be read.",
        )
    if seconds < 0:
        return _bad_record(
            record,
            "import.bad_date",
            ja="歩数の記録の終了日時が開始日時より前です。",
            en="A step record ends before it starts.",
        )
    return _bad_record(
        record,
        "import.bad_value",
        ja="歩数の記録の値が数でないか、負の数か、ありえない大きさです。",
        en="A step record's value is not a number, is negative or is implausibly large.",
    )


def _user_entered(record: etree._Element) -> bool:
    return any(entry.get("key") == USER_ENTERED and entry.get("value") == "1" for entry in record)


def _add(record: etree._Element, tally: Tally) -> None:
    """Count one top-level step record into `tally`. This runs for every step record of exports with millions of
    them, so the checks are one fast path; `_refusal` explains a failure."""
    get = record.get
    try:
        steps = float(get("value", ""))
        start, seconds = _span(get("startDate", ""), get("endDate", ""))
    except (TypeError, ValueError):
        raise _refusal(record) from None
    source = get("sourceName")
    if not (
        source and get("unit") == "count" and 0 <= steps <= MAX_SAMPLE_STEPS and seconds >= 0 and start.tzinfo is None
    ):
        raise _refusal(record)
    tally.add(start.date(), source, steps, len(record) > 0 and _user_entered(record), seconds)


def _not_apple() -> ImportRefused:
    return ImportRefused(
        "import.not_apple_health",
        ja="Apple ヘルスケアの書き出し（HealthData）ではありません。",
        en="The XML is not an Apple Health export (no HealthData root).",
    )


def _tally(xml: BinaryIO) -> Tally:
    """Stream `xml` and add up its step records; every finished top-level element is removed from the tree."""
    guard = _NoEntities(xml)
    events = etree.iterparse(  # lxml-stubs 0.5 leaves iterparse untyped: see the cast below
        guard,
        events=("end",),
        tag=("Record", "Correlation", "HealthData"),
        encoding="utf-8",  # never trust the declaration: the entity guard scans UTF-8 bytes
        remove_blank_text=True,  # no whitespace nodes to build and free
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    )
    tally = Tally()
    root: etree._Element | None = None
    finished = 0
    try:
        for _event, elem in cast("Iterator[tuple[str, etree._Element]]", events):
            if root is None:
                guard.past_prolog = True
                root = elem.getroottree().getroot()
                if root.tag != "HealthData":
                    raise _not_apple()
            if elem is root:
                break
            if elem.getparent() is not root:
                continue  # inside a Correlation: a duplicate, dropped with the Correlation
            if elem.get("type") == STEP_TYPE and elem.tag == "Record":
                _add(elem, tally)
            finished += 1
            if finished == _DROP_EVERY:  # drop this element and all before it (Workout, ActivitySummary, ...)
                del root[: root.index(elem) + 1]
                finished = 0
    except etree.XMLSyntaxError as error:
        raise ImportRefused(
            "import.bad_xml",
            ja="XML として読めません。ファイルが途中で切れているか、壊れています。",
            en="The XML cannot be read; the file is cut short or damaged.",
            where=f"line {error.lineno}",
        ) from error
    if root is None:
        raise _not_apple()
    return tally


def read_apple_health(stream: BinaryIO) -> Iterator[DayTotal]:
    """Per-(day, source) step totals from an Apple Health `export.zip` or `export.xml`, sorted by day and source."""
    with seekable_upload(stream) as upload:
        if is_zip(head(upload, 4)):
            with open_archive(upload) as archive:
                name = zip_member(archive, APPLE_HEALTH)
                if name is None:
                    raise ImportRefused(
                        "import.no_member",
                        ja="zip の中に export.xml がありません。",
                        en="The zip holds no export.xml.",
                    )
                with open_member(archive, name) as xml:
                    tally = _tally(xml)
        else:
            tally = _tally(upload)
    yield from tally.totals()
