"""Which lots pay for a debit: first expiring, first out. Pure; the ledger service applies the result.

A lot is one credit to a resident's points or wallet, remembering who funded it and when it expires. Spending
takes from the lot that expires soonest (ties: the older lot), so that residents lose as little as possible to
expiry, and each debit records the lots it consumed: that lineage later tells which municipality paid for what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


class NotEnoughInLots(ValueError):
    def __init__(self, wanted: int, available: int) -> None:
        super().__init__(f"wanted {wanted}, unexpired lots hold {available}")
        self.wanted = wanted
        self.available = available


@dataclass(frozen=True, slots=True)
class LotView:
    id: int
    expires_on: date
    remaining: int


def usable(lots: Sequence[LotView], *, on: date) -> list[LotView]:
    """Lots that can still be spent on `on` (a lot is good through its expiry date), first-expiring first."""
    return sorted(
        (lot for lot in lots if lot.remaining > 0 and lot.expires_on >= on), key=lambda lot: (lot.expires_on, lot.id)
    )


def allocate(lots: Sequence[LotView], amount: int, *, on: date) -> list[tuple[int, int]]:
    """[(lot id, amount taken)] covering `amount` exactly; raises NotEnoughInLots when the usable lots fall short."""
    if amount <= 0:
        raise ValueError("amount must be positive")
    taken: list[tuple[int, int]] = []
    left = amount
    for lot in usable(lots, on=on):
        if left == 0:
            break
        take = min(lot.remaining, left)
        taken.append((lot.id, take))
        left -= take
    if left:
        raise NotEnoughInLots(amount, amount - left)
    return taken
