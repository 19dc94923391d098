"""gunicorn settings for `hiroba serve`: JSON access log lines on stdout, metrics shared across workers."""

from __future__ import annotations

from typing import Any

accesslog = "-"
access_log_format = '{"time":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":"%(B)s","ms":%(M)s}'
timeout = 30
graceful_timeout = 20


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # untyped in prometheus_client
