"""A throw-away PostgreSQL database for one benchmark, dropped afterwards even when the run fails."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

PG_ADMIN = os.environ.get("HIROBA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_of(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


@contextmanager
def throwaway_database(name: str) -> Iterator[str | None]:
    """Yields the new database's URL, or None (after saying so) when no PostgreSQL answers."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError:
        print(f"postgresql: not reachable, {name} skipped")
        yield None
        return
    try:
        yield url_of(name)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
