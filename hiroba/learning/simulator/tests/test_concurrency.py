"""The simulator racing itself, on PostgreSQL with real threads: two first visits make one sandbox, and two tabs of
one walk cannot both count one wrong PIN twice nor do one step twice."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.core.audit import Actor, audit_verify
from hiroba.core.errors import AppError
from hiroba.core.tests.race import race
from hiroba.learning.simulator import services
from hiroba.learning.simulator.models import Sandbox, Walk
from hiroba.tenancy.models import Municipality

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORIGIN = "http://testserver"


def test_two_first_visits_make_one_sandbox() -> None:
    outcomes = race(lambda _: services.simulator_sandbox_ensure(), n=2)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert Sandbox.objects.count() == 1
    assert Municipality.objects.filter(lg_code=services.SANDBOX_LG_CODE).count() == 1
    assert all(isinstance(o, Sandbox) and o.pk == services.SANDBOX_LG_CODE for o in outcomes)
    _, breaks = audit_verify()
    assert breaks == []


def test_two_tabs_wrong_pins_count_twice_and_one_consent_enrolls_once(trainee: Actor, demo: Any) -> None:
    walk = services.walk_start(actor=trainee)

    def wrong() -> object:
        return services.step_enroll_sign(
            actor=trainee, walk=Walk.objects.get(pk=walk.pk), pin="0000", password="RENSHU1", origin=ORIGIN
        )

    outcomes = race(lambda _: wrong(), n=2)
    assert sorted(o.code for o in outcomes if isinstance(o, AppError)) == ["simulator.pin_wrong"] * 2
    walk.refresh_from_db()
    assert walk.pin_tries_left == 1
    services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)

    def consent() -> object:
        return services.step_enroll_consent(
            actor=trainee, walk=Walk.objects.get(pk=walk.pk), consented=True, notice_text="n", language="ja"
        )

    outcomes = race(lambda _: consent(), n=2)
    refused = [o for o in outcomes if isinstance(o, AppError)]
    assert len(refused) == 1, outcomes
    assert refused[0].code in {"simulator.step_done", "identity.credential_bound"}
    walk.refresh_from_db()
    assert walk.steps_done == 1
