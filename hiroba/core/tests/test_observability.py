from __future__ import annotations

import json
import logging
from pathlib import Path
from types import TracebackType

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from prometheus_client import REGISTRY

from hiroba.core.observability import JsonFormatter

pytestmark = pytest.mark.urls("hiroba.core.tests.urls_ops")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _format(level: int, msg: str, *args: object, exc_info: ExcInfo | None = None, **extra: object) -> str:
    logger = logging.getLogger("hiroba.tests.observability")
    record = logger.makeRecord(logger.name, level, __file__, 1, msg, args, exc_info, extra=extra)
    return JsonFormatter().format(record)


def _requests_total(*, route: str, status: str) -> float:
    labels = {"method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("hiroba_http_requests_total", labels) or 0.0


def test_json_formatter_writes_one_parseable_line_with_exception_and_extras() -> None:
    # given
    try:
        1 / 0  # noqa: B018 (raises on purpose)
    except ZeroDivisionError as exc:
        exc_info: ExcInfo = (type(exc), exc, exc.__traceback__)

    # when
    line = _format(
        logging.ERROR, "会計の締めに失敗 %s", "2025-03", exc_info=exc_info, lg_code="131016", journals=[1, 2]
    )

    # then
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "hiroba.tests.observability"
    assert entry["message"] == "会計の締めに失敗 2025-03"
    assert entry["time"].endswith("+00:00")
    assert "ZeroDivisionError: division by zero" in entry["exc_info"]
    assert entry["lg_code"] == "131016"
    assert entry["journals"] == [1, 2]
    assert not {"args", "msg", "pathname", "lineno", "exc_text"} & entry.keys()


def test_json_formatter_falls_back_to_repr_for_values_json_cannot_hold() -> None:
    # given
    circular: dict[str, object] = {}
    circular["self"] = circular

    class Unrepresentable:
        def __repr__(self) -> str:
            raise RuntimeError

    # when
    line = _format(logging.WARNING, "%d items", "not a number", circular=circular, odd=Unrepresentable(), at=Path("/x"))

    # then
    entry = json.loads(line)
    assert entry["message"] == "'%d items' % ('not a number',)"
    assert entry["circular"] == "{'self': {...}}"
    assert entry["odd"] == "<unrepresentable Unrepresentable>"
    assert entry["at"] == "PosixPath('/x')"


def test_middleware_counts_a_request_under_its_route_pattern() -> None:
    # given
    before = _requests_total(route="healthz", status="200")

    # when
    response = Client().get("/healthz?cache-buster=1")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert _requests_total(route="healthz", status="200") == before + 1


def test_middleware_counts_unknown_paths_as_unmatched() -> None:
    # given
    before = _requests_total(route="unmatched", status="404")

    # when
    response = Client().get("/wp-admin/setup.php")

    # then
    assert response.status_code == 404
    assert _requests_total(route="unmatched", status="404") == before + 1
    assert REGISTRY.get_sample_value("hiroba_http_requests_total", {"route": "wp-admin/setup.php"}) is None


def test_metrics_are_hidden_from_other_addresses() -> None:
    # when
    response = Client(REMOTE_ADDR="10.0.0.9").get("/metrics")

    # then
    assert response.status_code == 404


def test_metrics_are_exposed_to_localhost() -> None:
    # given
    Client().get("/healthz")

    # when
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert 'hiroba_http_requests_total{method="GET",route="healthz",status="200"}' in response.text


def test_metrics_merge_the_worker_files_in_multiprocess_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a directory with no worker files yet, so nothing from this process may appear
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    Client().get("/healthz")

    # when
    response = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")

    # then
    assert response.status_code == 200
    assert "hiroba_http_requests_total" not in response.text


@pytest.mark.django_db
def test_readyz_is_ready_on_the_migrated_database() -> None:
    # when
    response = Client().get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readyz_is_unavailable_while_a_migration_is_pending() -> None:
    # given
    MigrationRecorder(connection).record_unapplied("contenttypes", "0002_remove_content_type_name")

    # when
    response = Client().get("/readyz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["code"] == "db.migrations_pending"
    assert body["message"].keys() == {"ja", "en"}
