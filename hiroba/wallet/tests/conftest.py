"""Wallet fixtures: the Saku area with its settings, a paying bank account, residents, approved shops."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hiroba.wallet.tests.factories import OPERATOR, saku_area

TODAY = date(2026, 11, 26)
__all__ = ["OPERATOR", "TODAY"]


@pytest.fixture
def saku(demo: Any) -> dict[str, Any]:
    return saku_area(year=2026)
