"""Probes for the load balancer and the process supervisor. They never show a stack trace."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from hiroba.core.errors import AppError

logger = logging.getLogger(__name__)

DB_UNREACHABLE = AppError("db.unreachable", ja="データベースに接続できません。", en="The database cannot be reached.")
DB_MIGRATIONS_PENDING = AppError(
    "db.migrations_pending",
    ja="データベースの更新（マイグレーション）が済んでいません。",
    en="The database has migrations that have not been applied.",
)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches no database, so a database outage does not restart workers."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the default database answers and its schema matches the code."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        logger.warning("readiness probe: database unreachable", exc_info=True)
        return _unavailable(DB_UNREACHABLE)
    if pending:
        return _unavailable(DB_MIGRATIONS_PENDING)
    return JsonResponse({"status": "ready"})


def _unavailable(error: AppError) -> JsonResponse:
    return JsonResponse({"status": "unavailable", **error.as_dict()}, status=503)
