"""Health Connect export zips, built here with sqlite3 (no public sample export exists): per-app totals, manual
entries, local dates, and databases that are damaged, hostile or not databases at all."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hiroba.health.importers.base import ImportRefused, best_of_sources
from hiroba.health.importers.health_connect import read_health_connect
from hiroba.health.importers.tests.test_safezip import zipped

STEPS_TABLE = """CREATE TABLE steps_record_table (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB, last_modified_time INTEGER, client_record_id TEXT,
    app_info_id INTEGER, device_info_id INTEGER, recording_method INTEGER, start_time INTEGER NOT NULL,
    start_zone_offset INTEGER, end_time INTEGER NOT NULL, end_zone_offset INTEGER, local_date INTEGER,
    count INTEGER NOT NULL)"""
APPS_TABLE = """CREATE TABLE application_info_table (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT, package_name TEXT NOT NULL UNIQUE, app_name TEXT, app_icon BLOB)"""
TOKYO = 9 * 3600
FIT, SAMSUNG = 1, 2


def ms(text: str) -> int:
    """Epoch milliseconds of a UTC time written `2024-01-05 08:00`."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC).timestamp() * 1000)


def epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


# (app, start UTC, minutes, count, recording method, start offset s); local_date is filled in from start + offset
Row = tuple[int | None, str, float, object, int, int]


def write_database(folder: Path, rows: Sequence[Row], *, steps_table: str = STEPS_TABLE) -> Path:
    """A Health Connect database holding `rows` and two apps (`local_date` filled in if the table has it)."""
    path = folder / "health_connect_export.db"
    columns = ["app_info_id", "recording_method", "start_time", "start_zone_offset", "end_time", "count"]
    if "local_date" in steps_table:
        columns.append("local_date")
    with sqlite3.connect(path) as db:
        db.execute(steps_table)
        db.execute(APPS_TABLE)
        db.executemany(
            "INSERT INTO application_info_table (row_id, package_name, app_name) VALUES (?, ?, ?)",
            [(FIT, "com.google.android.apps.fitness", "Fit"), (SAMSUNG, "com.sec.android.app.shealth", None)],
        )
        for app, start, minutes, count, method, offset in rows:
            begins = ms(start)
            values = [
                app,
                method,
                begins,
                offset,
                begins + int(minutes * 60_000),
                count,
                (begins // 1000 + offset) // 86400,
            ]
            db.execute(
                f"INSERT INTO steps_record_table ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                values[: len(columns)],
            )
    db.close()
    return path


def database(folder: Path, rows: Sequence[Row], *, steps_table: str = STEPS_TABLE) -> io.BytesIO:
    """A Health Connect export zip of `write_database(...)`."""
    return zipped({"health_connect_export.db": write_database(folder, rows, steps_table=steps_table).read_bytes()})


def refusal(upload: io.BytesIO) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        list(read_health_connect(upload))
    return caught.value


def test_steps_are_totalled_per_local_day_and_app(tmp_path: Path) -> None:
    # given: Fit and Samsung Health both wrote the morning walk; Samsung has no app_name, so its package names it
    upload = database(
        tmp_path,
        [
            (FIT, "2024-01-04 23:00", 10, 1000, 2, TOKYO),  # 08:00 in Tokyo on 5 January
            (SAMSUNG, "2024-01-04 23:00", 10, 1100, 2, TOKYO),
            (FIT, "2024-01-05 03:00", 5, 600, 1, TOKYO),
            (FIT, "2024-01-05 16:00", 10, 300, 2, TOKYO),  # 01:00 on 6 January in Tokyo
        ],
    )

    # when
    result = list(read_health_connect(upload))

    # then
    assert [(t.day, t.source, t.steps, t.manual_steps, t.max_per_minute) for t in result] == [
        (date(2024, 1, 5), "Fit", 1600, 0, 120.0),
        (date(2024, 1, 5), "com.sec.android.app.shealth", 1100, 0, 110.0),
        (date(2024, 1, 6), "Fit", 300, 0, 30.0),
    ]
    assert [(c.day, c.steps, c.source) for c in best_of_sources(result)] == [
        (date(2024, 1, 5), 1600, "Fit"),
        (date(2024, 1, 6), 300, "Fit"),
    ]


def test_a_manual_entry_counts_as_manual_and_sets_no_rate(tmp_path: Path) -> None:
    # given: recording_method 3 is manual entry
    upload = database(
        tmp_path, [(FIT, "2024-01-05 03:00", 0, 20000, 3, TOKYO), (FIT, "2024-01-05 04:00", 0.1, 30, 2, TOKYO)]
    )

    # when
    [total] = read_health_connect(upload)

    # then: the 6-second sample is rated as one minute
    assert (total.steps, total.manual_steps, total.max_per_minute) == (30, 20000, 30.0)


def test_without_local_date_the_day_comes_from_start_time_and_offset(tmp_path: Path) -> None:
    # given: the same UTC instant, walked in Tokyo and in California
    upload = database(
        tmp_path,
        [(FIT, "2024-01-05 20:00", 10, 500, 2, TOKYO), (SAMSUNG, "2024-01-05 20:00", 10, 400, 2, -8 * 3600)],
        steps_table=STEPS_TABLE.replace(" local_date INTEGER,", ""),
    )

    # when / then
    assert [(t.day, t.steps) for t in read_health_connect(upload)] == [(date(2024, 1, 5), 400), (date(2024, 1, 6), 500)]


def test_rows_naming_no_app_or_an_unknown_app_keep_apart(tmp_path: Path) -> None:
    upload = database(
        tmp_path, [(None, "2024-01-05 03:00", 10, 100, 2, TOKYO), (7, "2024-01-05 03:00", 10, 200, 2, TOKYO)]
    )
    assert [(t.source, t.steps) for t in read_health_connect(upload)] == [("Health Connect", 100), ("app 7", 200)]


def test_the_local_date_column_wins_over_start_time(tmp_path: Path) -> None:
    # given: the row's local_date says 5 January although start_time + offset is 6 January
    path = write_database(tmp_path, [(FIT, "2024-01-05 20:00", 10, 500, 2, TOKYO)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE steps_record_table SET local_date = ?", (epoch_day(date(2024, 1, 5)),))
    db.close()

    # when / then
    assert [t.day for t in read_health_connect(zipped({"export/health_connect_export.db": path.read_bytes()}))] == [
        date(2024, 1, 5)
    ]


@pytest.mark.parametrize("count", [-5, "12", 1.5, 2**62])
def test_a_bad_count_is_refused_naming_its_row(tmp_path: Path, count: object) -> None:
    # given: SQLite keeps whatever type it is given, so a hostile file can hold text, fractions or absurd numbers
    upload = database(
        tmp_path,
        [(FIT, "2024-01-05 03:00", 10, 100, 2, TOKYO), (FIT, "2024-01-05 04:00", 10, count, 2, TOKYO)],
        steps_table=STEPS_TABLE.replace("count INTEGER NOT NULL", "count NOT NULL"),
    )

    # when
    refused = refusal(upload)

    # then
    assert (refused.code, refused.where) == ("import.bad_value", "steps_record_table row 2")


def test_a_local_date_beyond_the_calendar_is_refused(tmp_path: Path) -> None:
    # given
    path = write_database(tmp_path, [(FIT, "2024-01-05 03:00", 10, 100, 2, TOKYO)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE steps_record_table SET local_date = ?", (10**12,))
    db.close()

    # when
    refused = refusal(zipped({"health_connect_export.db": path.read_bytes()}))

    # then
    assert (refused.code, refused.where) == ("import.bad_date", "steps_record_table row 1")


def test_a_database_without_the_steps_table_is_refused(tmp_path: Path) -> None:
    # given
    path = tmp_path / "health_connect_export.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE heart_rate_record_table (row_id INTEGER PRIMARY KEY)")
    db.close()

    # when / then
    assert refusal(zipped({"health_connect_export.db": path.read_bytes()})).code == "import.bad_database"


def test_a_view_posing_as_the_steps_table_is_refused(tmp_path: Path) -> None:
    # given: a view would run the file's own SQL
    path = tmp_path / "health_connect_export.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE VIEW steps_record_table AS SELECT 1 AS count, 0 AS local_date")
    db.close()

    # when / then
    assert refusal(zipped({"health_connect_export.db": path.read_bytes()})).code == "import.bad_database"


def test_a_steps_table_without_the_needed_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "health_connect_export.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE steps_record_table (row_id INTEGER PRIMARY KEY, value INTEGER)")
    db.close()
    assert refusal(zipped({"health_connect_export.db": path.read_bytes()})).code == "import.bad_database"


def test_a_db_member_that_is_not_sqlite_is_refused() -> None:
    refused = refusal(zipped({"health_connect_export.db": b"PRAGMA nothing; this is text"}))
    assert refused.code == "import.bad_database"


def test_a_damaged_database_is_refused(tmp_path: Path) -> None:
    # given: a real header and garbage after it
    data = write_database(tmp_path, [(FIT, "2024-01-05 03:00", 10, 100, 2, TOKYO)]).read_bytes()
    damaged = data[:100] + bytes(range(256)) * ((len(data) - 100) // 256 + 1)

    # when / then
    assert refusal(zipped({"health_connect_export.db": damaged})).code == "import.bad_database"


def test_a_zip_without_a_database_is_refused() -> None:
    assert refusal(zipped({"readme.txt": b"hello"})).code == "import.no_member"


def test_something_that_is_not_a_zip_is_refused() -> None:
    assert refusal(io.BytesIO(b"SQLite format 3\x00" + bytes(100))).code == "import.bad_zip"


def test_an_empty_steps_table_gives_nothing(tmp_path: Path) -> None:
    assert list(read_health_connect(database(tmp_path, []))) == []
