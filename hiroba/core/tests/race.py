"""Races as a real server meets them, for tests on PostgreSQL: threads released together, each with its own
database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def race(work: Callable[[int], Any], n: int) -> list[Any]:
    """Run `work(i)` in n threads released together; returns their results (or the exceptions they raised), by i."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 (handed back to the test)
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
