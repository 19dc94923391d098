"""The training town is a town of its own for every service, but never listed or counted with the real ones: not on
the public list of towns and areas, not in the API's lists, not in the agency's health roll-up."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.health.selectors import agency_rollup
from hiroba.identity.models import User
from hiroba.learning.simulator.services import SANDBOX_LG_CODE, SANDBOX_NAME, simulator_sandbox_ensure
from hiroba.tenancy.selectors import municipality_get, staff_scope

pytestmark = pytest.mark.django_db


def test_the_training_town_is_found_by_its_code_but_never_listed(demo: Any) -> None:
    simulator_sandbox_ensure()
    assert municipality_get(lg_code=SANDBOX_LG_CODE).training
    home = Client().get("/").content.decode()
    assert "佐久市" in home
    assert SANDBOX_NAME not in home
    assert SANDBOX_LG_CODE not in {m["lg_code"] for m in Client().get("/api/v1/municipalities").json()}
    areas = Client().get("/api/v1/areas").json()
    assert areas
    assert all(SANDBOX_LG_CODE not in area["municipalities"] for area in areas)
    scope = staff_scope(user=User.objects.get(username="agency"))
    towns = [row.lg_code for row in agency_rollup(scope=scope, today=timezone.localdate())]
    assert "202177" in towns
    assert SANDBOX_LG_CODE not in towns
