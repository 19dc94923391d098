"""Multi-row SQL that SQLite and PostgreSQL both run, for the few paths that write thousands of rows at once
(ledger postings, award batches). PostgreSQL gets one array per column (`unnest`), so a thousand rows are a handful
of parameters; SQLite gets a VALUES list, in chunks below its limit on parameters. Measured in bench/ledger.py:
building the same statements through the ORM cost more than running them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from django.db import connection

CHUNK = 1000  # rows per SQLite statement: far below its limit on parameters (PostgreSQL takes one array a column)


def chunks(rows: Sequence[tuple[Any, ...]]) -> Iterator[Sequence[tuple[Any, ...]]]:
    size = max(len(rows), 1) if connection.vendor == "postgresql" else CHUNK
    for first in range(0, len(rows), size):
        yield rows[first : first + size]


def id_list(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column IN (...)` as one array parameter on PostgreSQL (`= ANY`), a placeholder list on SQLite."""
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])", [array_literal(ids, "bigint")]
    return "IN (" + ", ".join(["%s"] * len(ids)) + ")", list(ids)


def _array_element(value: object) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return "NULL"
    return _quoted(str(value))


INTEGER_TYPES = frozenset({"bigint", "integer", "smallint"})
TEXT_TYPES = frozenset({"text", "varchar"})


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(values: Iterable[object], sql_type: str = "") -> str:
    """A PostgreSQL array literal ('{1,2,3}'), cast by the statement to the column's type: building it here costs
    a fraction of adapting a thousand Python values one by one. A column whose values all have the column's own
    Python type (int, str, date) skips the per-value checks."""
    values = list(values)
    if sql_type in INTEGER_TYPES and all(type(value) is int for value in values):
        body = ",".join(map(str, values))
    elif sql_type in TEXT_TYPES and all(type(value) is str for value in values):
        body = ",".join(map(_quoted, values))  # type: ignore[arg-type]
    elif sql_type == "date" and all(type(value) is date for value in values):
        body = ",".join(value.isoformat() for value in values)  # type: ignore[attr-defined]
    else:
        body = ",".join(map(_array_element, values))
    return "{" + body + "}"


def rows_source(types: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """A row source with columns column1, column2, ... holding `rows`, and its parameters. PostgreSQL gets one
    array per column (`unnest`), so a thousand rows are a handful of parameters; SQLite gets a VALUES list."""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{sql_type}[]" for sql_type in types)
        names = ", ".join(f"column{n}" for n in range(1, len(types) + 1))
        columns = zip(*rows, strict=True)
        return f"unnest({arrays}) AS v({names})", [
            array_literal(column, sql_type) for column, sql_type in zip(columns, types, strict=True)
        ]
    one = "(" + ", ".join(["%s"] * len(types)) + ")"
    params = [value.isoformat() if type(value) is date else value for row in rows for value in row]
    return f"(VALUES {', '.join([one] * len(rows))}) AS v", params


def insert_rows(table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert rows of (column name, PostgreSQL type) columns, returning their ids in the order given (ids grow in
    row order within one statement)."""
    names = ", ".join(name for name, _ in columns)
    selected = ", ".join(f"v.column{n}" for n in range(1, len(columns) + 1))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            source, params = rows_source([sql_type for _, sql_type in columns], chunk)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {selected} FROM {source} RETURNING id",  # noqa: S608
                params,
            )
            ids += sorted(row[0] for row in cursor.fetchall())
    return ids
