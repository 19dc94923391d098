"""First-expiring-first lot consumption never creates or loses value (property tests, no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.ledger.lots import LotView, NotEnoughInLots, allocate, usable

TODAY = date(2026, 11, 26)

lots_strategy = st.lists(
    st.builds(
        LotView,
        id=st.integers(1, 10**6),
        expires_on=st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=400)),
        remaining=st.integers(0, 10_000),
    ),
    max_size=30,
    unique_by=lambda lot: lot.id,
)


@given(lots_strategy, st.integers(1, 200_000))
def test_allocation_takes_exactly_the_amount_or_refuses(lots: list[LotView], amount: int) -> None:
    available = sum(lot.remaining for lot in usable(lots, on=TODAY))
    if amount > available:
        with pytest.raises(NotEnoughInLots):
            allocate(lots, amount, on=TODAY)
        return
    taken = allocate(lots, amount, on=TODAY)
    by_id = {lot.id: lot for lot in lots}
    assert sum(a for _, a in taken) == amount
    assert all(0 < a <= by_id[i].remaining and by_id[i].expires_on >= TODAY for i, a in taken)
    assert len({i for i, _ in taken}) == len(taken)


@given(lots_strategy, st.integers(1, 200_000))
def test_allocation_is_first_expiring_first(lots: list[LotView], amount: int) -> None:
    try:
        taken = dict(allocate(lots, amount, on=TODAY))
    except NotEnoughInLots:
        return
    order = usable(lots, on=TODAY)
    # every lot before the last one touched is used up: nothing later-expiring is spent while earlier value is left
    last = max(i for i, lot in enumerate(order) if lot.id in taken)
    assert all(taken.get(lot.id) == lot.remaining for lot in order[:last])


def test_an_expired_lot_is_never_spent() -> None:
    lots = [LotView(1, TODAY - timedelta(days=1), 500), LotView(2, TODAY, 100)]
    assert allocate(lots, 100, on=TODAY) == [(2, 100)]
    with pytest.raises(NotEnoughInLots):
        allocate(lots, 101, on=TODAY)
