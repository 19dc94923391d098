"""Idempotency keys for the HTTP API: every mutating request carries `Idempotency-Key`.

The first answer (any status below 500) is stored per caller and key; a retry with the same key and the same
request gets the stored answer without running the act again, and a different request reusing the key is
refused. Services that create rows also keep their own key where a concurrent double submit must be caught.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from http import HTTPStatus

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from hiroba.core.errors import AppError, Conflict, Invalid

HEADER = "Idempotency-Key"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY = 100


def _refuse(error: AppError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


def _stored(owner: str, key: str) -> tuple[str, int, bytes, str] | None:
    """(fingerprint, status, body, content type) of the stored answer. Plain SQL, as `_store`: every mutating API
    request runs both, and composing them through the ORM cost more than the statements (bench/api.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fingerprint, status, body, content_type FROM core_idempotentrequest WHERE owner = %s AND key = %s",
            [owner, key],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], bytes(row[2]), row[3])


def _store(owner: str, key: str, fingerprint: str, response: HttpResponse) -> None:
    """Keep the answer; a concurrent retry that stored its answer first wins (both describe the same act).

    On PostgreSQL, outside a caller's transaction, the statement runs as its own transaction, in one round trip
    with the setting that lets its commit skip the wait for the disk: a stored answer only spares a retry the
    work, and the act's own key (a journal's, say) still catches a replay if a crash loses this row. The act
    itself committed, durably, before this runs."""
    insert = (
        "INSERT INTO core_idempotentrequest (owner, key, fingerprint, status, body, content_type, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (owner, key) DO NOTHING"
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # several statements in one simple-protocol query are one implicit transaction: SET LOCAL lasts to its end
        insert = "SET LOCAL synchronous_commit TO OFF; " + insert
    with connection.cursor() as cursor:
        cursor.execute(
            insert,
            [
                owner,
                key,
                fingerprint,
                response.status_code,
                response.content,
                response.get("Content-Type", "application/json"),
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse], prefix: str = "/api/") -> None:
        self.get_response = get_response
        self.prefix = prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE or not request.path.startswith(self.prefix):
            return self.get_response(request)
        key = request.headers.get(HEADER, "").strip()
        if not key or len(key) > MAX_KEY:
            return _refuse(
                Invalid(
                    "idempotency.key_required",
                    ja=f"変更を伴うリクエストには {HEADER} ヘッダー(100文字以内)が必要です。",
                    en=f"A mutating request needs an {HEADER} header of at most {MAX_KEY} characters.",
                )
            )
        owner = f"user:{request.user.pk}" if request.user.is_authenticated else "anonymous"
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.get_full_path().encode(), request.body])
        ).hexdigest()
        stored = _stored(owner, key)
        if stored is not None:
            stored_fingerprint, status, body, content_type = stored
            if stored_fingerprint != fingerprint:
                return _refuse(
                    Conflict(
                        "idempotency.key_reused",
                        ja="この Idempotency-Key は別のリクエストで使われています。",
                        en="This Idempotency-Key was already used for a different request.",
                    )
                )
            replay = HttpResponse(body, status=status, content_type=content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = self.get_response(request)
        storable = response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR and not getattr(response, "streaming", False)
        if storable and owner != "anonymous":
            _store(owner, key, fingerprint, response)
        return response
