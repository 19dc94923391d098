"""Award runs that race, on PostgreSQL with real threads: two schedulers firing the same day grant it once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from hiroba.health import services
from hiroba.health.models import Award
from hiroba.health.tests.test_services import OPERATOR, RULE, START, consent, upload, walk
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.ledger.models import Journal
from hiroba.ledger.selectors import ledger_verify
from hiroba.tenancy.models import Municipality

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hanako(demo: Any) -> Resident:
    resident = make_resident("202177")
    consent(resident, "apple_health")
    services.rule_version_add(
        municipality=Municipality.objects.get(lg_code="202177"),
        document=RULE,
        valid_from=START,
        note="",
        actor=OPERATOR,
        today=START,
    )
    return resident


def test_two_award_runs_of_the_same_day_at_once_grant_it_once(hanako: Resident) -> None:
    day = START + timedelta(days=3)
    upload(hanako, walk(day, 9000))
    barrier = threading.Barrier(4)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(services.award_run(on=day + timedelta(days=1), actor=OPERATOR))
        except Exception as error:  # noqa: BLE001 (handed back to the test)
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert {run.journal for [run] in outcomes} == {Journal.objects.get(kind="points").key}  # the same journal
    assert sum(Award.objects.values_list("points", flat=True)) == 5 + 50
    assert ledger_verify()[1] == []
