"""(d) End-to-end API payments against the real server on loopback: gunicorn with the production settings on
PostgreSQL, residents signed in by session cookie, `POST /api/v1/wallet/pay` with an Idempotency-Key.

Prints payments/s and the p50/p99 latency seen by the clients (which run on the same 2-core machine, so they take
CPU from the server: the figure is a floor). Run with `python -m bench.api` (also part of `make bench`).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bench.pg import throwaway_database, url_of

DB_NAME = "hiroba_bench_api"
DB_URL = url_of(DB_NAME)
PORT = 8765
SERVER_WORKERS = int(os.environ.get("HIROBA_BENCH_SERVER_WORKERS", "4"))
CLIENTS = int(os.environ.get("HIROBA_BENCH_CLIENTS", "8"))
RESIDENTS = 200
SECONDS = float(os.environ.get("HIROBA_BENCH_SECONDS", "8"))
ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "DATABASE_URL": DB_URL,
    "SECRET_KEY": "bench-" + "k" * 60,
    "SITE_ORIGIN": f"http://127.0.0.1:{PORT}",
    "IDENTITY_PAIRWISE_KEY": "p" * 40,
    "IDENTITY_LOOKUP_KEY": "l" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "BEHIND_TLS_PROXY": "false",
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "LOG_LEVEL": "WARNING",
}


def _setup() -> tuple[list[str], list[str]]:
    """Residents with coins and signed-in sessions, two approved shops. Returns (session keys, shop IDs)."""
    os.environ.update(ENV)
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from hiroba.core.audit import Actor
    from hiroba.demo import demo_load
    from hiroba.identity.services.sessions import AUTH_AT, SEEN_AT
    from hiroba.identity.tests.factories import make_resident
    from hiroba.ledger.services import Move, NewLot, journal_post
    from hiroba.tenancy.models import Municipality
    from hiroba.wallet.services import accounts, merchants

    call_command("migrate", verbosity=0)
    demo_load()
    operator = Actor.command_line()
    saku, komoro = Municipality.objects.get(lg_code="202177"), Municipality.objects.get(lg_code="202088")
    shops = []
    for town, name in ((saku, "BENCH BAKERY"), (komoro, "BENCH SOBA")):
        shop = merchants.merchant_apply(
            municipality=town,
            name=name,
            name_roman=name,
            address="1-1",
            mcc="5812",
            bank_code="1390",
            branch_code="001",
            account_type=1,
            account_number="1",
            holder_name="ﾍﾞﾝﾁ",
            actor=operator,
        )
        shops.append(merchants.merchant_approve(merchant_id=shop.pk, actor=operator).pk)
    residents = [make_resident("202177") for _ in range(RESIDENTS)]
    today = timezone.localdate()
    journal_post(
        key="bench:grant",
        kind="grant",
        chain="saku",
        on=today,
        moves=[
            Move(
                accounts.coin_issuance(saku),
                accounts.resident_wallet(r),
                100_000,
                lot=NewLot("202177", today + timedelta(days=90)),
            )
            for r in residents
        ],
    )
    sessions = []
    now = int(time.time())
    for r in residents:
        assert r.person is not None
        user = r.person.user
        store = SessionStore()
        store.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
                AUTH_AT: now,
                SEEN_AT: now,
            }
        )
        store.create()
        sessions.append(str(store.session_key))
    return sessions, shops


Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


def _payment(sessions: list[str], shops: list[str]) -> Callable[[int, int], Request]:
    """The n-th client's i-th payment: a signed-in resident pays one of the shops, with its own Idempotency-Key."""
    csrf = secrets.token_hex(16)

    def request(n: int, i: int) -> Request:
        session = sessions[(n * 7919 + i) % len(sessions)]
        body = json.dumps({"merchant_id": shops[i % len(shops)], "amount": 1 + i % 50}).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": f"b{n}-{i}",
            "X-CSRFToken": csrf,
            "Cookie": f"hiroba_session={session}; csrftoken={csrf}",
        }
        return "POST", "/api/v1/wallet/pay", body, headers

    return request


def _liveness(n: int, i: int) -> Request:
    """The baseline: the same server's liveness answer (Django's request cycle, no session and no database)."""
    return "GET", "/healthz", None, {}


def _client(
    n: int, request: Callable[[int, int], Request], stop: float, results: tuple[list[float], list[str]]
) -> None:
    latencies, errors = results
    i = 0
    while time.perf_counter() < stop:
        method, path, body, headers = request(n, i)
        began = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        conn.request(method, path, body=body, headers={**headers, "Host": f"127.0.0.1:{PORT}"})
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        latencies.append(time.perf_counter() - began)
        if response.status != 200:
            errors.append(f"{response.status} {payload[:120]!r}")
        i += 1


def _load(request: Callable[[int, int], Request]) -> tuple[float, float, float, list[str]]:
    """CLIENTS threads sending `request` for SECONDS: (answers/s, p50 ms, p99 ms, refusals)."""
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.perf_counter() + SECONDS
    threads = [threading.Thread(target=_client, args=(n, request, stop, (latencies, errors))) for n in range(CLIENTS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else 0.0
    return (len(latencies) - len(errors)) / elapsed, statistics.median(latencies) * 1000, p99, errors


def _wait_for_server() -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def _run() -> None:
    sessions, shops = _setup()
    env = {**os.environ, **ENV}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(SERVER_WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for_server()
        baseline = _load(_liveness)
        payments = _load(_payment(sessions, shops))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    from hiroba.ledger.selectors import ledger_verify

    rate, p50, p99, errors = payments
    floor, floor_p50, floor_p99, _ = baseline
    print(
        f"(d) API payments, gunicorn {SERVER_WORKERS} workers, {CLIENTS} clients: {rate:8.0f} payments/s, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (target >= 300/s, p99 < 100 ms)"
    )
    print(
        f"    baseline GET /healthz, same server and clients:  {floor:8.0f} answers/s, "
        f"p50 {floor_p50:.1f} ms, p99 {floor_p99:.1f} ms; payments/baseline {rate / floor:.2f}"
    )
    if errors:
        print(f"    {len(errors)} refused, e.g. {errors[0]}")
    violations = ledger_verify()[1]
    print(f"    ledger_verify: {'passed' if not violations else f'{len(violations)} violations'}")


def main() -> None:
    with throwaway_database(DB_NAME) as url:
        if url:
            _run()


if __name__ == "__main__":
    main()
