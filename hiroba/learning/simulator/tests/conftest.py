"""Fixtures of the simulator's tests: the demo's towns and staff, and a signed-in trainee."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.models import User


@pytest.fixture
def trainee(demo: Any) -> Actor:
    """A counter clerk of 佐久市 (a real demo town), as the simulator's trainee."""
    return Actor.for_user(User.objects.get(username="saku-counter"), channel=Channel.WEB)


@pytest.fixture
def other_trainee(demo: Any) -> Actor:
    return Actor.for_user(User.objects.get(username="matsudo-admin"), channel=Channel.WEB)
