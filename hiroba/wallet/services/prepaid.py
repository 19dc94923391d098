"""Refunds of coins bought with cash (前払式支払手段), by the area's configured rule.

Only paid lots are refunded, first expiring first, and the cash goes back through the town's counter. Granted
coins are never paid out in cash.
"""

from __future__ import annotations

from datetime import date

from hiroba.core.audit import Actor
from hiroba.core.errors import Conflict
from hiroba.identity.models import Resident
from hiroba.ledger.lots import LotView, NotEnoughInLots, allocate
from hiroba.ledger.models import Journal, Lot
from hiroba.ledger.services import Audit, Move, journal_post
from hiroba.wallet.models import PaidRefundRule
from hiroba.wallet.services import accounts
from hiroba.wallet.services.money import amount_check, area_settings


def paid_coins_refund(*, resident: Resident, amount: int, key: str, on: date, actor: Actor) -> Journal:
    """Counter staff give cash back for unused paid coins, where the area's rule allows it."""
    rule = area_settings(resident.municipality).paid_refund_rule
    if rule != PaidRefundRule.ANY_TIME:
        raise Conflict(
            "wallet.paid_refund_not_allowed",
            ja="購入コインの払い戻しは、この地域通貨の規約で認められていません"
            + ("（通貨の終了時のみ）。" if rule == PaidRefundRule.ON_CLOSURE else "。"),
            en="Paid coins cannot be refunded under this currency's rules"
            + (" (only when the currency is wound up)." if rule == PaidRefundRule.ON_CLOSURE else "."),
            detail={"rule": rule},
        )
    wallet = accounts.resident_wallet(resident)
    paid = [
        LotView(pk, expires, left)
        for pk, expires, left in Lot.objects.filter(
            account=wallet, paid=True, remaining__gt=0, expires_on__gte=on
        ).values_list("pk", "expires_on", "remaining")
    ]
    try:
        take = allocate(paid, amount_check(amount, limit=100_000), on=on)
    except NotEnoughInLots as short:
        raise Conflict(
            "wallet.paid_refund_too_large",
            ja="払い戻しできる購入コインが足りません。",
            en="Not enough unused paid coins.",
            detail={"refundable": short.available},
        ) from None
    town = resident.municipality
    return journal_post(
        key=f"paid-refund:{key}",
        kind="paid_refund",
        chain=wallet.chain,
        on=on,
        memo={"resident": resident.pairwise_id},
        moves=[Move(wallet, accounts.counter_cash(town), amount, take=tuple(take))],
        audit=Audit(
            tag="wallet:coins:refunded",
            actor=actor,
            subject=f"resident:{resident.pairwise_id}",
            data={"amount": amount},
            municipality=town.lg_code,
        ),
    )
