"""Ledger throughput on PostgreSQL: payments through the service layer beside the same workload in plain SQL.

Figures (the issue's targets on a 2-core machine in brackets):
  (a) payments/s through `hiroba.ledger.services.journal_post`, 8 workers, as threads and as processes;
  (b) the same double-entry payment written as plain SQL with psycopg 3, 8 worker processes, and (a)/(b) [>= 0.5];
  (c) award-style grants/s: journals of 1,000 moves (issuance -> resident wallet, each a new lot) [>= 20,000], as
      one stream, and as the two towns of the area awarding their own residents at the same time (a daily award run
      posts one batch per municipality; towns of one area share the chain but not their issuance accounts);
  (d) API payments/s and latency: bench/api.py (run right after this one by `make bench`).
Every payment is in the one "saku" chain, so both (a) and (b) queue on its head row: the figure is the rate at which
one chain can be extended, which is what a currency area gets. `ledger_verify()` must find nothing afterwards.

Runs in a throw-away database (hiroba_bench_ledger, dropped at the end). `python -m bench.ledger`; part of
`make bench`. HIROBA_BENCH_SECONDS (default 8) sets the length of each payment run.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench.pg import throwaway_database, url_of

if TYPE_CHECKING:
    from hiroba.ledger.models import Account

DB_NAME = "hiroba_bench_ledger"
DB_URL = url_of(DB_NAME)
CHAIN = "saku"
WORKERS = 8
SECONDS = float(os.environ.get("HIROBA_BENCH_SECONDS", "8"))
RESIDENTS = 2000  # half in each town
MERCHANTS = 20
BATCH = 1000  # moves per grant journal
ROUNDS = 3  # grant rounds per wallet in each way of running figure (c): one stream, then both towns at once
GRANT = 2000  # coins per lot: far more than 8 workers can spend in the payment runs
MAX_PAYMENT = 100

AccountRef = tuple[int, str]  # (id, key): what the plain-SQL workers need to know of an account
Outcome = tuple[int, float]  # (payments made, when the last one finished)


class Insufficient(Exception):
    """The plain-SQL payment found too little money (should not happen with the seeded balances)."""


# ---------------------------------------------------------------- workers


def _orm_worker(worker: int, label: str, wallets: Sequence[Account], shops: Sequence[Account], start: float) -> Outcome:
    """Payments resident -> merchant through the service layer until `start + SECONDS`; one connection, closed."""
    from django.db import connection
    from django.utils import timezone

    from hiroba.ledger.services import Move, journal_post

    rng = random.Random(f"{label}{worker}")  # noqa: S311 (a reproducible workload, not a secret)
    today, count = timezone.localdate(), 0
    try:
        connection.ensure_connection()
        time.sleep(max(0.0, start - time.time()))
        while time.time() < start + SECONDS:
            journal_post(
                key=f"pay:{label}:{worker}:{count}",
                kind="payment",
                chain=CHAIN,
                on=today,
                moves=[Move(rng.choice(wallets), rng.choice(shops), rng.randint(1, MAX_PAYMENT))],
            )
            count += 1
        return count, time.time()
    finally:
        connection.close()


def _sql_pay(conn: Any, *, key: str, debit: AccountRef, credit: AccountRef, amount: int, today: date) -> None:
    """One payment in one transaction, as the service does it, in plain SQL (psycopg 3, no ORM)."""
    from hiroba.ledger.chain import JournalLink, PostingLink  # Django-free: the chain's hash format

    (debit_id, debit_key), (credit_id, credit_key) = debit, credit
    with conn.transaction():
        # as the service does: the journal first (a replayed key fails before any lock), unsealed; the chain head
        # is moved last, by one statement that also computes the hash
        now = datetime.now(UTC)
        request = json.dumps(["payment", CHAIN, {}, [[debit_key, credit_key, amount, None, [], []]]], sort_keys=True)
        (journal_id,) = conn.execute(
            "INSERT INTO ledger_journal (key, fingerprint, kind, chain, state, created_at, prev_hash, hash, memo) "
            "VALUES (%s, %s, 'payment', %s, 'posted', %s, '', '', '{}') RETURNING id",
            (key, hashlib.sha256(request.encode()).hexdigest(), CHAIN, now),
        ).fetchone()
        rows = conn.execute(
            "SELECT id, balance, reserved, may_go_negative FROM ledger_account WHERE id = ANY(%s) "
            "ORDER BY id FOR NO KEY UPDATE",
            ([debit_id, credit_id],),
        ).fetchall()
        _, balance, reserved, may_go_negative = next(r for r in rows if r[0] == debit_id)
        if not may_go_negative and balance - reserved < amount:
            raise Insufficient(debit_key)
        lots = conn.execute(
            "SELECT id, remaining FROM ledger_lot WHERE account_id = %s AND remaining > 0 AND expires_on >= %s "
            "ORDER BY expires_on, id",
            (debit_id, today),
        ).fetchall()
        taken: list[tuple[int, int]] = []
        left = amount
        for lot_id, remaining in lots:
            if not left:
                break
            take = min(left, remaining)
            taken.append((lot_id, take))
            left -= take
        if left:
            raise Insufficient(debit_key)
        (posting_id,) = conn.execute(
            "INSERT INTO ledger_posting (journal_id, debit_id, credit_id, unit, amount) "
            "VALUES (%s, %s, %s, 'coin', %s) RETURNING id",
            (journal_id, debit_id, credit_id, amount),
        ).fetchone()
        with conn.cursor() as cursor:
            cursor.executemany(
                "UPDATE ledger_lot SET remaining = remaining - %s WHERE id = %s", [(a, lot) for lot, a in taken]
            )
            cursor.executemany(
                "INSERT INTO ledger_lotmove (posting_id, lot_id, amount) VALUES (%s, %s, %s)",
                [(posting_id, lot, -a) for lot, a in taken],
            )
        conn.execute(
            "UPDATE ledger_account SET balance = balance + CASE WHEN id = %s THEN %s ELSE %s END WHERE id IN (%s, %s)",
            (debit_id, -amount, amount, debit_id, credit_id),
        )
        body = JournalLink(
            chain=CHAIN,
            seq=0,
            prev_hash="",
            key=key,
            kind="payment",
            state="posted",
            final_at=now.isoformat(timespec="microseconds"),
            postings=[PostingLink(debit_key, credit_key, "coin", amount, tuple((lot, -a) for lot, a in taken))],
        ).body_digest()
        seq, prev_hash, digest = conn.execute(
            "UPDATE ledger_chainhead SET prev_hash = last_hash, last_seq = last_seq + 1, "
            "last_hash = encode(sha256(convert_to(last_hash || ':' || (last_seq + 1) || ':' || %s, 'UTF8')), 'hex') "
            "WHERE key = %s RETURNING last_seq, prev_hash, last_hash",
            (body, CHAIN),
        ).fetchone()
        conn.execute(
            "UPDATE ledger_journal SET seq = %s, prev_hash = %s, final_at = %s, hash = %s WHERE id = %s",
            (seq, prev_hash, now, digest, journal_id),
        )


def _sql_worker(
    worker: int, label: str, wallets: Sequence[AccountRef], shops: Sequence[AccountRef], start: float
) -> Outcome:
    import psycopg
    from django.utils import timezone

    rng = random.Random(f"{label}{worker}")  # noqa: S311 (a reproducible workload, not a secret)
    today, count = timezone.localdate(), 0
    with psycopg.connect(DB_URL) as conn:
        time.sleep(max(0.0, start - time.time()))
        while time.time() < start + SECONDS:
            _sql_pay(
                conn,
                key=f"pay:{label}:{worker}:{count}",
                debit=rng.choice(wallets),
                credit=rng.choice(shops),
                amount=rng.randint(1, MAX_PAYMENT),
                today=today,
            )
            count += 1
    return count, time.time()


def _grant_worker(town: int, issuer: Account, residents: Sequence[Account], rounds: tuple[int, ...]) -> int:
    """A town's award batches: for each round, journals of BATCH new lots to its residents. Returns grants made."""
    from django.db import connection
    from django.utils import timezone

    from hiroba.ledger.services import Move, NewLot, journal_post

    today, count = timezone.localdate(), 0
    try:
        for round_ in rounds:
            lot = NewLot(issuer.municipality_id or "", today + timedelta(days=30 * (round_ + 1)))
            for first in range(0, len(residents), BATCH):
                moves = [Move(issuer, wallet, GRANT, lot=lot) for wallet in residents[first : first + BATCH]]
                journal_post(
                    key=f"grant:bench:{town}:{round_}:{first}", kind="grant", chain=CHAIN, on=today, moves=moves
                )
                count += len(moves)
        return count
    finally:
        connection.close()


# ---------------------------------------------------------------- running 8 of them


def _in_threads(target: Callable[..., Outcome], label: str, wallets: Sequence[Any], shops: Sequence[Any]) -> float:
    start = time.time() + 1.0
    with ThreadPoolExecutor(WORKERS) as pool:  # a worker's exception is raised again here
        results = list(pool.map(lambda n: target(n, label, wallets, shops, start), range(WORKERS)))
    return sum(n for n, _ in results) / (max(end for _, end in results) - start)


def _in_processes(target: Callable[..., Outcome], label: str, wallets: Sequence[Any], shops: Sequence[Any]) -> float:
    from django.db import connections

    connections.close_all()  # a forked child must open its own connection, never share the parent's
    start = time.time() + 2.0
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        results = pool.starmap(target, [(n, label, wallets, shops, start) for n in range(WORKERS)])
    return sum(n for n, _ in results) / (max(end for _, end in results) - start)


# ---------------------------------------------------------------- the run


def _run() -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from hiroba.demo import demo_load
    from hiroba.ledger.models import AccountKind, Unit
    from hiroba.ledger.selectors import ledger_verify
    from hiroba.ledger.services import account_open

    call_command("migrate", verbosity=0)
    demo_load()

    def open_(key: str, kind: AccountKind, town: str | None = None) -> Account:
        return account_open(key=key, kind=kind, unit=Unit.COIN, chain=CHAIN, municipality_id=town)

    issuers = [open_("i:202177", AccountKind.ISSUANCE, "202177"), open_("i:202088", AccountKind.ISSUANCE, "202088")]
    wallets = [open_(f"rw:bench{n}", AccountKind.RESIDENT_WALLET) for n in range(RESIDENTS)]
    shops = [open_(f"m:bench{n}", AccountKind.MERCHANT) for n in range(MERCHANTS)]

    # (c) grants: journals of 1,000 new lots, which also seed the wallets (lots expiring 30, 60, 90... days out)
    towns = [(issuers[n], wallets[n::2]) for n in range(len(issuers))]  # each town grants to its own residents
    began = time.time()
    first, second = tuple(range(ROUNDS)), tuple(range(ROUNDS, 2 * ROUNDS))
    one_stream = sum(_grant_worker(n, issuer, residents, first) for n, (issuer, residents) in enumerate(towns))
    one_stream_rate = one_stream / (time.time() - began)
    connections.close_all()
    began = time.time()
    with multiprocessing.get_context("fork").Pool(len(towns)) as pool:
        both = sum(
            pool.starmap(_grant_worker, [(n, issuer, residents, second) for n, (issuer, residents) in enumerate(towns)])
        )
    both_rate = both / (time.time() - began)
    threads = _in_threads(_orm_worker, "orm-t", wallets, shops)
    processes = _in_processes(_orm_worker, "orm-p", wallets, shops)
    wallet_refs = [(w.pk, w.key) for w in wallets]
    shop_refs = [(s.pk, s.key) for s in shops]
    plain = _in_processes(_sql_worker, "sql-p", wallet_refs, shop_refs)
    service = max(threads, processes)
    used = "processes" if processes >= threads else "threads"

    began = time.perf_counter()
    counts, violations = ledger_verify()
    verify = time.perf_counter() - began
    connections.close_all()

    print(f"(a) service journal_post, 8 worker threads:       {threads:8.0f} payments/s")
    print(f"(a) service journal_post, 8 worker processes:     {processes:8.0f} payments/s")
    print(f"(b) plain SQL (psycopg 3), 8 worker processes:    {plain:8.0f} payments/s (baseline)")
    print(f"    (a)/(b) = {service / plain:.2f} (using {used}: {service:.0f}/s; target >= 0.5)")
    print(
        f"(c) grants, journals of {BATCH:,} new lots, one stream: {one_stream_rate:8.0f} grants/s "
        f"({one_stream:,} grants in {one_stream // BATCH} journals)"
    )
    print(
        f"(c) the same, both towns at once:       {both_rate:8.0f} grants/s "
        f"({both:,} grants in {both // BATCH} journals; target >= 20,000)"
    )
    verdict = "passed" if not violations else f"FAILED, {len(violations)} violations: {violations[:3]}"
    print(f"    ledger_verify: {verdict} ({counts['journals']:,} journals re-hashed in {verify:.1f} s)")
    print(f"    each payment run {SECONDS:.0f} s; {RESIDENTS:,} wallets, {MERCHANTS} merchants, one chain ({CHAIN})")
    print(f"    at {timezone.now():%Y-%m-%d %H:%M} UTC")
    if violations:
        raise SystemExit(1)


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with throwaway_database(DB_NAME) as url:
        if url:
            _run()


if __name__ == "__main__":
    main()
