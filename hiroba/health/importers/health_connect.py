"""Steps from an Android Health Connect export: a zip holding one SQLite database (`health_connect_export.db`).

The database is copied out of the zip into a temporary file (bounded in size) and opened read-only and immutable, with
the schema distrusted: only real tables are read, columns are looked up by name, every value is type-checked. Steps
come from `steps_record_table`; the app that wrote them from `application_info_table`. A row whose
`recording_method` is 3 (manual entry) counts in `manual_steps`. No public sample export exists (see
`samples/PROVENANCE.md`), so the reader needs only the columns the reference notes name and tolerates the rest.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from hiroba.health.importers.base import DayTotal, ImportRefused
from hiroba.health.importers.detect import (
    COPY_CHUNK,
    HEALTH_CONNECT,
    MAX_SAMPLE_STEPS,
    Tally,
    seekable_upload,
    zip_member,
)
from hiroba.health.importers.safezip import open_archive, open_member

MAX_DATABASE_BYTES = 2 * 1024**3
SQLITE_MAGIC = b"SQLite format 3\x00"
STEPS_TABLE = "steps_record_table"
APPS_TABLE = "application_info_table"
MANUAL_ENTRY = 3  # RecordingMethod: 0 unknown, 1 actively recorded, 2 automatically recorded, 3 manual entry
_EPOCH = date(1970, 1, 1)
_DAY_MS = 86_400_000
_OTHER_APP = "Health Connect"  # the source when a row names no app


def _bad_database(*, ja: str, en: str, where: str = "") -> ImportRefused:
    return ImportRefused("import.bad_database", ja=ja, en=en, where=where)


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    """The columns of `table` if it is a real table (a view or a missing table gives an empty set)."""
    kind = db.execute("SELECT type FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    if kind is None or kind[0] != "table":
        return set()
    return {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}


def _apps(db: sqlite3.Connection) -> dict[object, str]:
    """App id -> name: `app_name`, else `package_name`, from whichever id column the table has."""
    columns = _columns(db, APPS_TABLE)
    key = next((name for name in ("row_id", "id", "_id") if name in columns), None)
    names = [name for name in ("app_name", "package_name") if name in columns]
    if key is None or not names:
        return {}
    query = f"SELECT {key}, {', '.join(names)} FROM {APPS_TABLE}"  # noqa: S608 (names from the fixed lists above)
    return {row[0]: next((str(n) for n in row[1:] if n), f"app {row[0]}") for row in db.execute(query)}


def _integer(value: object, column: str, row: object) -> int:
    if not isinstance(value, int) or (column == "count" and not 0 <= value <= MAX_SAMPLE_STEPS):
        raise ImportRefused(
            "import.bad_value",
            ja=f"歩数の記録の {column} が整数でないか、負の数か、ありえない大きさです。",
            en=f"A step record's {column} is not a whole number, is negative or is implausibly large.",
            where=f"{STEPS_TABLE} row {row}",
        )
    return value


def _tally(db: sqlite3.Connection) -> Tally:
    columns = _columns(db, STEPS_TABLE)
    if not columns:
        raise _bad_database(
            ja="データベースに歩数の表（steps_record_table）がありません。",
            en="The database has no steps_record_table.",
        )
    by_date = "local_date" in columns
    if "count" not in columns or not (by_date or {"start_time", "start_zone_offset"} <= columns):
        raise _bad_database(
            ja="歩数の表に count、local_date または start_time の列がありません。",
            en="steps_record_table lacks the count, local_date or start_time columns.",
        )
    wanted = ["rowid", "count"] + [
        name if name in columns else "NULL"
        for name in ("local_date", "start_time", "start_zone_offset", "end_time", "app_info_id", "recording_method")
    ]
    apps = _apps(db)
    tally = Tally()
    query = f"SELECT {', '.join(wanted)} FROM {STEPS_TABLE}"  # noqa: S608 (names checked against the table above)
    for row, count, local_date, start, offset, end, app, method in db.execute(query):
        steps = _integer(count, "count", row)
        if by_date:
            days = _integer(local_date, "local_date", row)
        else:
            days = (_integer(start, "start_time", row) + _integer(offset, "start_zone_offset", row) * 1000) // _DAY_MS
        try:
            day = _EPOCH + timedelta(days=days)
        except OverflowError:
            raise ImportRefused(
                "import.bad_date",
                ja="歩数の記録の日付がありえない値です。",
                en="A step record's date is out of range.",
                where=f"{STEPS_TABLE} row {row}",
            ) from None
        timed = isinstance(start, int) and isinstance(end, int) and end >= start
        tally.add(
            day,
            apps.get(app, _OTHER_APP if app is None else f"app {app}"),
            steps,
            manual=method == MANUAL_ENTRY,
            seconds=(end - start) / 1000 if timed else None,
        )
    return tally


def _read_database(path: Path) -> Tally:
    with path.open("rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise _bad_database(
                ja="zip 内の .db が SQLite のデータベースではありません。",
                en="The archive's .db file is not an SQLite database.",
            )
    # immutable: no locks, no journal or WAL files beside our private copy; trusted_schema off: no SQL functions
    # from the file's schema (views, triggers, defaults) ever run.
    uri = f"{path.as_uri()}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("PRAGMA trusted_schema = OFF")
            db.execute("PRAGMA cell_size_check = ON")
            return _tally(db)
    except sqlite3.DatabaseError as error:
        raise _bad_database(
            ja="SQLite のデータベースが壊れています。", en="The SQLite database is damaged.", where=str(error)
        ) from error


def read_health_connect(stream: BinaryIO) -> Iterator[DayTotal]:
    """Per-(day, app) step totals from a Health Connect export zip, sorted by day and app."""
    with seekable_upload(stream) as upload, open_archive(upload) as archive:
        name = zip_member(archive, HEALTH_CONNECT)
        if name is None:
            raise ImportRefused(
                "import.no_member",
                ja="zip の中にデータベース（.db）がありません。",
                en="The zip holds no .db database.",
            )
        with tempfile.TemporaryDirectory(prefix="hiroba-hc-") as folder:
            path = Path(folder) / "export.db"
            with open_member(archive, name, limit=MAX_DATABASE_BYTES) as member, path.open("wb") as copy:
                shutil.copyfileobj(member, copy, COPY_CHUNK)
            tally = _read_database(path)
    yield from tally.totals()
