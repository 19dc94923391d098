"""Idempotency keys for the HTTP API: every mutating request carries `Idempotency-Key`.

The first answer (any status below 500) is stored per caller and key; a retry with the same key and the same
request gets the stored answer without running the act again, and a different request reusing the key is
refused. Services that create rows also keep their own key where a concurrent double submit must be caught.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from http import HTTPStatus

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from hiroba.core.errors import AppError, Conflict, Invalid
from hiroba.core.models import IdempotentRequest

HEADER = "Idempotency-Key"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY = 100


def _refuse(error: AppError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


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
        stored = IdempotentRequest.objects.filter(owner=owner, key=key).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                return _refuse(
                    Conflict(
                        "idempotency.key_reused",
                        ja="この Idempotency-Key は別のリクエストで使われています。",
                        en="This Idempotency-Key was already used for a different request.",
                    )
                )
            replay = HttpResponse(bytes(stored.body), status=stored.status, content_type=stored.content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = self.get_response(request)
        storable = response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR and not getattr(response, "streaming", False)
        if storable and owner != "anonymous":
            try:
                with transaction.atomic():
                    if connection.vendor == "postgresql":
                        # A stored answer only spares a retry the work: the act's own key (a journal's, say) still
                        # catches a replay if a crash loses this row, so its commit need not wait for the disk.
                        with connection.cursor() as cursor:
                            cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    IdempotentRequest.objects.create(
                        owner=owner,
                        key=key,
                        fingerprint=fingerprint,
                        status=response.status_code,
                        body=response.content,
                        content_type=response.get("Content-Type", "application/json"),
                    )
            except IntegrityError:
                pass  # a concurrent retry stored its answer first; both answers describe the same act
        return response
