"""Steps from a Google Fit Takeout: `Daily activity metrics.csv`, bare or inside the Takeout zip.

One row per date. Takeout includes only the columns the person had data for, in an order that varies, and names them
in the account's language, so the date and step-count columns are found by header name ("Date" / "日付",
"Step count" / "歩数"). An empty step cell means no data that day. The daily file says nothing about how the steps
were spread over the day, so `max_per_minute` stays 0. The per-day files (`2024-01-01.csv`) are not read.
"""

from __future__ import annotations

import csv
import io
from _csv import Reader
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from hiroba.health.importers.base import DayTotal, ImportRefused
from hiroba.health.importers.detect import (
    GOOGLE_FIT,
    MAX_SAMPLE_STEPS,
    Tally,
    fit_columns,
    head,
    is_zip,
    seekable_upload,
    zip_member,
)
from hiroba.health.importers.safezip import open_archive, open_member

SOURCE = "Google Fit"
MAX_LINE_CHARS = 64 * 1024
MAX_CSV_CHARS = 16 * 1024**2  # some 300 years of daily rows of 150 characters
_MAX_DIGITS = len(str(MAX_SAMPLE_STEPS))  # longer numbers are refused before int() is asked to read them


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    """The lines of `text`, refused once one is longer than `MAX_LINE_CHARS` or all of them than `MAX_CSV_CHARS`."""
    number = read = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        read += len(line)
        if read > MAX_CSV_CHARS:
            raise ImportRefused(
                "import.too_large",
                ja=f"CSV が大きすぎます（上限 {MAX_CSV_CHARS // 1024**2} MB）。",
                en=f"The CSV is larger than {MAX_CSV_CHARS // 1024**2} MB.",
            )
        if len(line) > MAX_LINE_CHARS:
            raise ImportRefused(
                "import.line_too_long",
                ja=f"CSV の行が長すぎます（上限 {MAX_LINE_CHARS:,} 文字）。",
                en=f"A CSV line is longer than {MAX_LINE_CHARS:,} characters.",
                where=f"line {number}",
            )
        yield line


def _bad_row(line: int, *, ja: str, en: str) -> ImportRefused:
    return ImportRefused("import.bad_value", ja=ja, en=en, where=f"line {line}")


def _tally(rows: Reader) -> Tally:
    header = next(rows, None)
    columns = fit_columns(header) if header else None
    if columns is None:
        raise ImportRefused(
            "import.no_steps_column",
            ja="CSV の見出しに「日付」と「歩数」（Date, Step count）の列がありません。",
            en='The CSV header has no "Date" and "Step count" columns.',
            where="line 1",
        )
    tally = Tally()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cells = [row[at].strip() if at < len(row) else "" for at in columns]
        if not cells[1]:
            continue  # no step data that day
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            raise _bad_row(
                rows.line_num, ja="日付が読めません（YYYY-MM-DD）。", en="A date cannot be read (YYYY-MM-DD)."
            ) from None
        digits = cells[1]
        steps = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS else -1
        if not 0 <= steps <= MAX_SAMPLE_STEPS:
            raise _bad_row(
                rows.line_num,
                ja="歩数が 0 以上の整数でないか、ありえない大きさです。",
                en="A step count is not a whole number of zero or more, or is implausibly large.",
            )
        tally.add(day, SOURCE, steps, manual=False, seconds=None)
    return tally


def _read_csv(stream: BinaryIO) -> Tally:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    rows = csv.reader(_lines(text))
    try:
        return _tally(rows)
    except UnicodeDecodeError as error:
        raise ImportRefused(
            "import.bad_encoding",
            ja="CSV が UTF-8 ではありません。",
            en="The CSV is not UTF-8 text.",
        ) from error
    except csv.Error as error:
        raise ImportRefused(
            "import.bad_csv",
            ja="CSV として読めません。",
            en="The file cannot be read as CSV.",
            where=f"line {rows.line_num}",
        ) from error
    finally:
        text.detach()  # the caller owns `stream`; closing the wrapper must not close it


def read_google_fit(stream: BinaryIO) -> Iterator[DayTotal]:
    """Per-day step totals (source "Google Fit") from a Takeout daily CSV or the Takeout zip holding it."""
    with seekable_upload(stream) as upload:
        if is_zip(head(upload, 4)):
            with open_archive(upload) as archive:
                name = zip_member(archive, GOOGLE_FIT)
                if name is None:
                    raise ImportRefused(
                        "import.no_member",
                        ja="zip の中に Google Fit の日別 CSV（Daily activity metrics.csv）がありません。",
                        en="The zip holds no Google Fit daily CSV (Daily activity metrics.csv).",
                    )
                # UTF-8 spends at most 4 bytes on a character
                with open_member(archive, name, limit=4 * MAX_CSV_CHARS) as member:
                    tally = _read_csv(member)
        else:
            tally = _read_csv(upload)
    yield from tally.totals()
