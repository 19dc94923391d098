"""The daily award run on PostgreSQL: 100,000 residents of one town, each with steps on the day being awarded.

Prints the run's time against the issue's target (<= 15 s) beside a baseline: the same residents' points posted
as one ledger journal with the amounts already known (what the run costs beyond the ledger). `ledger_verify()`
must pass afterwards. Runs in a throw-away database. `python -m bench.awards`; part of `make bench`.
HIROBA_BENCH_RESIDENTS (default 100000) sets the town's size.
"""

from __future__ import annotations

import os
import platform
import random
import time
from datetime import date, timedelta

from bench.pg import throwaway_database

DB_NAME = "hiroba_bench_awards"
RESIDENTS = int(os.environ.get("HIROBA_BENCH_RESIDENTS", "100000"))
TOWN = "202177"
RULE = {
    "version": 1,
    "step_tiers": [
        {"min_steps": 2000, "points": 1},
        {"min_steps": 5000, "points": 3},
        {"min_steps": 8000, "points": 5},
    ],
    "step_tiers_65": [{"min_steps": 1000, "points": 1}, {"min_steps": 4000, "points": 3}],
    "caps": {"daily": 10, "monthly": 200, "fiscal_year": 1500},
    "checkup_bonus": {"tokutei": 500},
    "lapse_at_fiscal_year_end": True,
    "streak": {"days": 7, "points": 10},
    "first_participation": {"points": 50},
    "late_sync_days": 7,
}


def _populate(day: date) -> None:
    """RESIDENTS residents of TOWN with a step figure on `day`, written in bulk (setup is not timed)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from hiroba.health.models import EnteredBy, Origin, StepDay
    from hiroba.identity.keys import municipality_context, pairwise_id
    from hiroba.identity.models import AccountKind, Person, Resident, User

    rng = random.Random(5)  # noqa: S311 (a reproducible workload)
    unusable = make_password(None)
    now = timezone.now()
    for first in range(0, RESIDENTS, 10_000):
        size = min(10_000, RESIDENTS - first)
        users = User.objects.bulk_create(
            [
                User(username=f"bench{first + n}", full_name="見本", kind=AccountKind.RESIDENT, password=unusable)
                for n in range(size)
            ]
        )
        people = Person.objects.bulk_create(
            [Person(user=u, birth_year=rng.randint(1935, 2005), birth_month=rng.randint(1, 12)) for u in users]
        )
        residents = Resident.objects.bulk_create(
            [
                Resident(
                    person=p,
                    municipality_id=TOWN,
                    key_version=1,
                    pairwise_id=pairwise_id(person_id=p.id, context=municipality_context(TOWN)),
                )
                for p in people
            ]
        )
        StepDay.objects.bulk_create(
            [
                StepDay(
                    resident=r,
                    day=day,
                    origin=Origin.APPLE_HEALTH,
                    steps=rng.choice((0, 1500, 3000, 6000, 9000, 12000)),
                    device="bench",
                    entered_by=EnteredBy.RESIDENT,
                    updated_at=now,
                )
                for r in residents
            ]
        )


def _run() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from hiroba.core.audit import Actor
    from hiroba.demo import demo_load
    from hiroba.health.models import Award
    from hiroba.health.services import award_run, rule_version_add
    from hiroba.ledger.selectors import ledger_verify
    from hiroba.tenancy.models import Municipality
    from hiroba.wallet.services.money import points_award

    call_command("migrate", verbosity=0)
    demo_load()
    town = Municipality.objects.get(lg_code=TOWN)
    today = timezone.localdate()
    day = today - timedelta(days=1)
    actor = Actor.command_line()
    rule_version_add(
        municipality=town,
        document=RULE,
        valid_from=day - timedelta(days=30),
        note="",
        actor=actor,
        today=day - timedelta(days=30),
    )
    began = time.perf_counter()
    _populate(day)
    # points accounts exist from earlier days' runs: only a town's first run opens them (timed separately below)
    from hiroba.identity.models import Resident
    from hiroba.wallet.services.accounts import residents_points

    residents = list(Resident.objects.filter(municipality=town))
    setup = time.perf_counter() - began
    began = time.perf_counter()
    residents_points(town, residents)
    opening = time.perf_counter() - began

    began = time.perf_counter()
    [run] = award_run(on=today, actor=actor, municipality=town)
    awarding = time.perf_counter() - began
    began = time.perf_counter()
    [again] = award_run(on=today, actor=actor, municipality=town)
    rerun = time.perf_counter() - began

    began = time.perf_counter()
    points_award(municipality=town, awards=[(r, 1) for r in residents], key="bench:baseline", on=today, reason="bench")
    baseline = time.perf_counter() - began
    violations = ledger_verify()[1]

    print(
        f"health award run, {RESIDENTS:,} residents x 1 day:   {awarding:6.1f} s "
        f"({run.residents:,} earned {run.points:,} points; target <= 15 s)"
    )
    print(f"    the same day again (grants nothing):       {rerun:6.1f} s ({again.points} points)")
    print(f"    baseline, one journal of {len(residents):,} known amounts: {baseline:6.1f} s")
    print(f"    opening the town's {len(residents):,} points accounts (its first run only): {opening:6.1f} s")
    print(
        f"    {Award.objects.count():,} award rows; setup {setup:.0f} s; ledger_verify: "
        f"{'passed' if not violations else f'{len(violations)} violations'}"
    )
    print(f"    at {timezone.now():%Y-%m-%d %H:%M} UTC")
    if violations:
        raise SystemExit(1)


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with throwaway_database(DB_NAME) as url:
        if url:
            os.environ["DATABASE_URL"] = url
            _run()


if __name__ == "__main__":
    main()
