"""`make bench`: audit-chain throughput beside a plain-INSERT baseline, then card sign-in (bench/signin.py),
then ledger and API payment throughput on PostgreSQL (bench/ledger.py, bench/api.py), then Apple Health parsing
speed and memory on a generated 1 GB export (bench/health.py), the daily award run for a town of 100,000
(bench/awards.py), the verification of a 2,000-ballot Belenios archive beside belenios-tool (bench/voting.py),
ballot encryption in headless Chromium (bench/voting_browser.py) and the co-creation app's Japanese full-text search
beside a scan without its index, on SQLite and PostgreSQL (bench/cocreation_search.py).

Runs on a fresh SQLite file under a temporary directory, and on PostgreSQL too when one answers on
127.0.0.1:5432 (a throw-away database is created and dropped). Prints one line per figure.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench.pg import throwaway_database

N = 2000


def _run(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django
    from django.core.management import call_command
    from django.db import transaction

    django.setup()
    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from hiroba.core.audit import Actor, audit_record, audit_verify
    from hiroba.core.models import IdempotentRequest

    actor = Actor.command_line()

    start = time.perf_counter()
    for i in range(N):
        with transaction.atomic():
            IdempotentRequest.objects.create(
                owner="bench", key=f"k{i}", fingerprint="0" * 64, status=200, body=b"{}", content_type="x"
            )
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    for i in range(N):
        with transaction.atomic():
            audit_record(
                tag="bench:thing:done", actor=actor, subject=f"thing:{i}", data={"i": i}, municipality="202177"
            )
    chained = time.perf_counter() - start

    start = time.perf_counter()
    counts, breaks = audit_verify()
    verify = time.perf_counter() - start
    assert not breaks
    assert counts["202177"] == N

    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    print(f"{vendor:<10} plain insert, 1 row/transaction (baseline): {N / baseline:8.0f} /s")
    print(
        f"{vendor:<10} audit_record, 1 record/transaction:          {N / chained:8.0f} /s "
        f"({chained / baseline:.2f}x the baseline's time)"
    )
    print(f"{vendor:<10} audit verify:                                {N / verify:8.0f} records/s")
    print(f"           at {timezone.now():%Y-%m-%d %H:%M} UTC")


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else None
    if target:
        _run(target)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "bench", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"], check=True)
    subprocess.run([sys.executable, "-m", "bench.signin"], check=True)
    with throwaway_database("hiroba_bench") as url:
        if url:
            subprocess.run([sys.executable, "-m", "bench", url], check=True)
    subprocess.run([sys.executable, "-m", "bench.ledger"], check=True)
    subprocess.run([sys.executable, "-m", "bench.api"], check=True)
    subprocess.run([sys.executable, "-m", "bench.health"], check=True)
    subprocess.run([sys.executable, "-m", "bench.awards"], check=True)
    subprocess.run([sys.executable, "-m", "bench.voting"], check=True)
    subprocess.run([sys.executable, "-m", "bench.voting_browser"], check=True)
    subprocess.run([sys.executable, "-m", "bench.cocreation_search"], check=True)


if __name__ == "__main__":
    main()
