"""Assist fixtures: the Saku area (budgets, shops, hanako of 佐久市 and taro of 小諸市) and a daughter who signs in."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.models import Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.wallet.tests.factories import saku_area


@pytest.fixture
def saku(demo: Any) -> dict[str, Any]:
    area = saku_area(year=2026)
    area["daughter"] = make_resident("202088", "見本 娘")
    return area


def user_of(resident: Resident) -> User:
    assert resident.person is not None
    return resident.person.user


def web(resident: Resident) -> Actor:
    return Actor.for_user(user_of(resident), channel=Channel.WEB)
