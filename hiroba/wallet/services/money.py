"""Municipal money: budgets per fiscal year, points awarded by towns, conversion of points into the area's coin,
and coins bought with cash at a counter (前払式支払手段), kept apart from granted coins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Conflict, Invalid
from hiroba.core.fiscal import fiscal_year, fiscal_year_end
from hiroba.identity.models import Resident
from hiroba.ledger.models import Journal
from hiroba.ledger.services import Audit, Move, NewLot, journal_post
from hiroba.tenancy.models import Municipality
from hiroba.wallet import selectors
from hiroba.wallet.formats import receipt
from hiroba.wallet.models import AreaSettings, PaidRefundRule, TownSettings
from hiroba.wallet.services import accounts

TOKYO = ZoneInfo("Asia/Tokyo")
MAX_TRANSACTION = 10_000_000  # no single act moves more than ¥10 million


def amount_check(value: int, *, limit: int = MAX_TRANSACTION) -> int:
    """A whole, positive amount up to `limit` (yen, coins or points), or a 422 `wallet.amount` that names the limit."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
        raise Invalid(
            "wallet.amount",
            ja=f"金額は1以上{limit:,}以下の整数で指定してください。",
            en=f"The amount must be a whole number from 1 to {limit:,}.",
            detail={"limit": limit},
        )
    return value


def area_settings(municipality: Municipality) -> AreaSettings:
    settings, _ = AreaSettings.objects.get_or_create(area=accounts.area_of(municipality))
    return settings


def town_settings(municipality: Municipality) -> TownSettings:
    settings, _ = TownSettings.objects.get_or_create(municipality=municipality)
    return settings


def budget_appropriate(*, municipality: Municipality, year: int, amount: int, key: str, actor: Actor) -> Journal:
    """The assembly appropriated `amount` coins for fiscal year `year`: the town may fund that much."""
    return journal_post(
        audit=Audit(
            tag="wallet:budget:appropriated",
            actor=actor,
            subject=f"budget:{municipality.lg_code}:{year}",
            data={"amount": amount},
            municipality=municipality.lg_code,
        ),
        key=key,
        kind="budget",
        chain=accounts.chain_of(municipality),
        memo={"fy": year},
        moves=[
            Move(
                accounts.coin_issuance(municipality),
                accounts.budget(municipality, year),
                amount_check(amount, limit=10**11),
            )
        ],
    )


def points_award(
    *,
    municipality: Municipality,
    awards: list[tuple[Resident, int]],
    key: str,
    on: date,
    reason: str,
    at: datetime | None = None,
    expires_on: date | None = None,
    memo: dict[str, object] | None = None,
    inside: Callable[[Journal], None] | None = None,
) -> Journal:
    """One batched journal of points for many residents of one town (health awards call this). The points expire
    on `expires_on`, by default at the end of the fiscal year of `on`."""
    issuer = accounts.points_issuance(municipality)
    expires = expires_on or fiscal_year_end(on)
    if any(r.municipality_id != municipality.lg_code for r, _ in awards):
        raise Invalid(
            "wallet.wrong_municipality",
            ja="ほかの市区町村の住民が含まれています。",
            en="Some residents belong to another municipality.",
        )
    wallets = accounts.residents_points(municipality, [r for r, _ in awards])
    lot = NewLot(municipality.lg_code, expires)
    moves = [Move(issuer, wallets[r.pk], amount_check(points), lot=lot) for r, points in awards]
    return journal_post(
        key=key,
        kind="points",
        chain=accounts.chain_of(municipality),
        on=on,
        memo={"reason": reason, **(memo or {})},
        moves=moves,
        at=at,
        inside=inside,
    )


def conversion_quote(*, resident: Resident, points: int) -> int:
    """How many coins `points` become, refusing amounts the town's rule does not allow."""
    town = town_settings(resident.municipality)
    rule = area_settings(resident.municipality)
    if points < town.min_conversion or (points - town.min_conversion) % town.conversion_step:
        raise Invalid(
            "wallet.conversion_step",
            ja=f"{town.min_conversion}ポイント以上、{town.conversion_step}ポイント単位で交換できます。",
            en=f"Convert at least {town.min_conversion} points, in steps of {town.conversion_step}.",
            detail={"min": town.min_conversion, "step": town.conversion_step},
        )
    coins = points * rule.coins_per_point_num // rule.coins_per_point_den
    if coins <= 0:
        raise Invalid("wallet.conversion_too_small", ja="交換できるコインがありません。", en="That gives no coins.")
    return coins


@dataclass(frozen=True)
class ConversionPreview:
    points: int
    coins: int
    usable_until: date


def conversion_preview(*, resident: Resident, points: int, on: date) -> ConversionPreview:
    """What converting `points` would give, for the resident to confirm first; refused with the same reasons the
    conversion itself would give (the town's step, too few points, the budget used up). Writes nothing."""
    amount_check(points)
    coins = conversion_quote(resident=resident, points=points)
    if selectors.wallet_view(resident=resident, on=on, history=0).points < points:
        raise Conflict("wallet.not_enough_points", ja="ポイントが足りません。", en="Not enough points.")
    if selectors.budget_left(lg_code=resident.municipality_id, year=fiscal_year(on)) < coins:
        raise _budget_exhausted()
    lifetime = area_settings(resident.municipality).coin_lifetime_days
    return ConversionPreview(points=points, coins=coins, usable_until=on + timedelta(days=lifetime))


def _budget_exhausted() -> Conflict:
    return Conflict(
        "wallet.budget_exhausted",
        ja="今年度の交換予算がなくなりました。市区町村にお問い合わせください。",
        en="This year's conversion budget is used up. Please ask your municipality.",
    )


def points_convert(
    *, resident: Resident, points: int, key: str, on: date, actor: Actor, at: datetime | None = None
) -> Journal:
    """Points become coins of the area, funded from the resident's town's budget for the current fiscal year."""
    amount_check(points)
    coins = conversion_quote(resident=resident, points=points)
    town = resident.municipality
    rule = area_settings(town)
    chain = accounts.chain_of(town)
    moves = [
        Move(accounts.resident_points(resident), accounts.points_issuance(town), points),
        Move(
            accounts.budget(town, fiscal_year(on)),
            accounts.resident_wallet(resident),
            coins,
            lot=NewLot(town.lg_code, on + timedelta(days=rule.coin_lifetime_days)),
        ),
    ]
    try:
        journal = journal_post(
            audit=Audit(
                tag="wallet:points:converted",
                actor=actor,
                subject=f"resident:{resident.pairwise_id}",
                data={"points": points, "coins": coins},
                municipality=town.lg_code,
            ),
            key=key,
            kind="conversion",
            chain=chain,
            moves=moves,
            on=on,
            memo={"resident": resident.pairwise_id, "points": points, "coins": coins},
            at=at,
        )
    except AppError as error:
        if error.code != "ledger.insufficient_funds":
            raise
        if error.detail.get("account", "").startswith("b:"):
            raise _budget_exhausted() from None
        raise Conflict("wallet.not_enough_points", ja="ポイントが足りません。", en="Not enough points.") from None
    return journal


def coins_sell(*, resident: Resident, amount: int, key: str, on: date, actor: Actor) -> Journal:
    """Counter staff sell coins for cash (a prepaid instrument): kept as paid lots, apart from granted coins."""
    town = resident.municipality
    rule = area_settings(town)
    return journal_post(
        audit=Audit(
            tag="wallet:coins:sold",
            actor=actor,
            subject=f"resident:{resident.pairwise_id}",
            data={"amount": amount, "receipt": key},
            municipality=town.lg_code,
        ),
        key=key,
        kind="cash_charge",
        chain=accounts.chain_of(town),
        on=on,
        memo={"resident": resident.pairwise_id, "receipt": key},
        moves=[
            Move(
                accounts.counter_cash(town),
                accounts.resident_wallet(resident),
                amount_check(amount, limit=100_000),
                lot=NewLot(town.lg_code, on + timedelta(days=rule.paid_coin_lifetime_days), paid=True),
            )
        ],
    )


def coins_sell_receipt(*, journal: Journal) -> bytes:
    """The A5 receipt (領収書) for a counter sale of coins: amount, time in Tokyo, the resident, the refund rule."""
    if journal.kind != "cash_charge" or journal.final_at is None:
        raise Invalid(
            "wallet.not_a_cash_sale",
            ja="現金でのコイン販売の記録ではありません。",
            en="That journal is not a completed sale of coins for cash.",
        )
    resident = Resident.objects.select_related("municipality__currency_area", "person__user").get(
        pairwise_id=journal.memo["resident"]
    )
    town = resident.municipality
    rule = area_settings(town)
    with translation.override("ja"):
        note = str(PaidRefundRule(rule.paid_refund_rule).label)
    return receipt.receipt_pdf(
        town=town.name,
        receipt_number=str(journal.memo.get("receipt", journal.key)),
        resident_name=resident.person.user.full_name if resident.person else "",
        amount=sum(p.amount for p in journal.postings.all()),
        issued_at=journal.final_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"),
        coin_name=accounts.area_of(town).currency_name,
        note=note,
    )
