"""What operators see: JSON log lines, request metrics and the Prometheus endpoint."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

# Attributes every LogRecord has; whatever else a record carries came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Methods outside this set are counted as "other": a client must not be able to invent label values.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Created once per process. Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, prometheus_client backs them
# with files in that directory, which metrics_view merges.
HTTP_REQUESTS = Counter(
    "hiroba_http_requests_total", "HTTP requests by method, URL pattern and status.", ["method", "route", "status"]
)
HTTP_REQUEST_DURATION = Histogram(
    "hiroba_http_request_duration_seconds",
    "Time to produce a response, by method and URL pattern.",
    ["method", "route"],
)


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # noqa: BLE001 (a log line must survive any __repr__)
        return f"<unrepresentable {type(value).__name__}>"


def _jsonable(value: object) -> object:
    """`value` itself when it serialises, else its repr (a circular or non-string-keyed dict, say)."""
    try:
        json.dumps(value, default=_safe_repr)
    except (TypeError, ValueError, RecursionError):
        return _safe_repr(value)
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, exc_info and the `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a bad %-format in a log call must not lose the line)
            message = f"{_safe_repr(record.msg)} % {_safe_repr(record.args)}"
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        if record.exc_text:  # already formatted (and masked) by a filter: keep that text
            entry["exc_info"] = record.exc_text
        elif record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = _jsonable(value)
        return json.dumps(entry, ensure_ascii=False, default=_safe_repr)


class RequestMetricsMiddleware:
    """Counts and times every request under its URL pattern (never the raw path: label cardinality)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in _METHODS else "other"
        match = request.resolver_match
        route = match.route if match is not None else "unmatched"
        HTTP_REQUESTS.labels(method=method, route=route, status=str(response.status_code)).inc()
        HTTP_REQUEST_DURATION.labels(method=method, route=route).observe(elapsed)
        return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition, for METRICS_ALLOWED_IPS only; anyone else gets the ordinary 404.

    The check is on REMOTE_ADDR: Prometheus must scrape the application server directly, and a reverse
    proxy in front of it must not forward /metrics.
    """
    if request.META.get("REMOTE_ADDR") not in settings.METRICS_ALLOWED_IPS:
        raise Http404
    registry: CollectorRegistry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Each gunicorn worker writes its own files; merge them all, not just this worker's values.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry), content_type=content_type)
