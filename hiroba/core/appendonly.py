"""Append-only tables in the database itself: a trigger refuses every UPDATE, on SQLite and PostgreSQL alike.

For migrations: `append_only(("app_table", …), "app.reason: what is never changed")` is the operation that adds the
triggers (and drops them when the migration is reversed). DELETE is left alone: test-suite teardown empties tables,
and foreign keys with PROTECT keep what must stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def append_only_sql(vendor: str, tables: Sequence[str], message: str) -> tuple[list[str], list[str]]:
    """The statements that make `tables` append-only on `vendor` ("sqlite" or "postgresql"), and those that undo it."""
    forward, backward = [], []
    for table in tables:
        if vendor == "sqlite":
            forward.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            )
            backward.append(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        else:
            forward.append(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation'; END $$;"
            )
            forward.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
            )
            backward.append(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};")
            backward.append(f"DROP FUNCTION IF EXISTS {table}_append_only();")
    return forward, backward


def append_only(tables: Sequence[str], message: str) -> migrations.RunPython:
    """The migration operation that makes `tables` append-only."""

    def run(schema_editor: Any, direction: int) -> None:
        for statement in append_only_sql(schema_editor.connection.vendor, tables, message)[direction]:
            schema_editor.execute(statement)

    return migrations.RunPython(
        lambda _apps, schema_editor: run(schema_editor, 0),
        lambda _apps, schema_editor: run(schema_editor, 1),
        elidable=False,
    )
