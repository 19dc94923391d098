"""Multi-row statements carry any value through unchanged, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from hiroba.core import bulk

pytestmark = pytest.mark.django_db

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


def _through_database(values: list[tuple[Any, ...]], types: list[str]) -> list[tuple[Any, ...]]:
    source, params = bulk.rows_source(types, values)
    columns = ", ".join(f"v.column{n}" for n in range(1, len(types) + 1))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {source}", params)  # noqa: S608
        return [tuple(row) for row in cursor.fetchall()]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**63), 2**63 - 1), TEXT, st.booleans()), min_size=1, max_size=20))
def test_rows_arrive_as_sent(values: list[tuple[int, str, bool]]) -> None:
    """Quotes, backslashes, braces, commas, NULL-looking text and Japanese survive PostgreSQL's array literals."""
    back = _through_database(values, ["bigint", "text", "boolean"])
    assert sorted((n, s, bool(b)) for n, s, b in back) == sorted(values)


def test_dates_and_the_word_null_survive() -> None:
    values = [(date(2027, 3, 31), "NULL"), (date(2026, 4, 1), 'a"b\\c{d},e')]
    back = _through_database([(connection.ops.adapt_datefield_value(d), s) for d, s in values], ["date", "text"])
    assert sorted((d if isinstance(d, date) else date.fromisoformat(d), s) for d, s in back) == sorted(values)
