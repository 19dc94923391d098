"""SQL that SQLite and PostgreSQL both run, for the few hot paths where building statements through the ORM cost
more than running them (measured in bench/ledger.py and bench/api.py): multi-row writes (ledger postings, award
batches), where PostgreSQL gets one array per column (`unnest`), so a thousand rows are a handful of parameters, and
SQLite a VALUES list in chunks below its limit on parameters; hash-chain heads moved by one UPDATE that computes
the new link's hash in the database (`link_hash_sql`); and model instances read by plain SQL (`instance_from`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any, TypeVar

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.dispatch import receiver

M = TypeVar("M", bound=Model)
CHUNK = 1000  # rows per SQLite statement: far below its limit on parameters (PostgreSQL takes one array a column)


def chunks(rows: Sequence[tuple[Any, ...]]) -> Iterator[Sequence[tuple[Any, ...]]]:
    size = max(len(rows), 1) if connection.vendor == "postgresql" else CHUNK
    for first in range(0, len(rows), size):
        yield rows[first : first + size]


def id_list(ids: Sequence[Any], sql_type: str = "bigint") -> tuple[str, list[Any]]:
    """`column IN (...)` as one array parameter on PostgreSQL (`= ANY`), a placeholder list on SQLite."""
    if connection.vendor == "postgresql":
        return f"= ANY(%s::{sql_type}[])", [array_literal(ids, sql_type)]
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


@receiver(connection_created)
def _sqlite_sha256(sender: object, connection: Any, **kwargs: object) -> None:
    """SQLite has no SHA-256; the chain heads' UPDATEs need the function PostgreSQL has built in. Connected when
    this module is first imported, which the ledger app's `ready()` makes happen before any connection opens."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "hiroba_sha256_hex", 1, lambda text: hashlib.sha256(text.encode()).hexdigest(), deterministic=True
        )


def link_hash_sql(prev_hash: str, seq: str, body_digest: str) -> str:
    """SQL for `hiroba.core.auditchain.link_hash` of three SQL expressions: SHA-256 of "<prev>:<seq>:<body>" in hex."""
    text = f"{prev_hash} || ':' || {seq} || ':' || {body_digest}"
    if connection.vendor == "postgresql":
        return f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')"
    return f"hiroba_sha256_hex({text})"


# ---------------------------------------------------------------- hot reads

_Converters = tuple[int, Any, tuple[Callable[[Any, Any, Any], Any], ...]]  # column index, column, converters


@functools.cache
def _readers(model: type[Model], vendor: str) -> tuple[tuple[str, ...], tuple[_Converters, ...]]:
    """The model's concrete fields' attribute names, and the converters the ORM would apply to each column (per
    database vendor: `connection` is the calling thread's connection to that vendor)."""
    fields: Sequence[Any] = model._meta.concrete_fields  # Any: the stubs' Field lacks get_db_converters
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection))
        if found:
            converters.append((index, column, found))
    return tuple(f.attname for f in fields), tuple(converters)


@functools.cache
def columns_of(model: type[Model], alias: str) -> str:
    """The model's concrete columns as a select list (`alias."column", ...`), in the order `instance_from` reads."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def width_of(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def instance_from(model: type[M], values: Sequence[Any]) -> M:
    """The model instance for one row's `columns_of(model)` values, converted as the ORM converts them: for the few
    reads on every request (the signed-in resident, the shop, the two accounts of a payment), where composing the
    ORM's query cost ten times the query itself (measured in bench/api.py)."""
    names, converters = _readers(model, connection.vendor)
    row = list(values)
    for index, column, functions in converters:
        for convert in functions:
            row[index] = convert(row[index], column, connection)
    return model.from_db(connection.alias, names, row)
