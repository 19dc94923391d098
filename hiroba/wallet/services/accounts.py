"""Which ledger account holds what: one naming rule, so every service and report finds the same accounts."""

from __future__ import annotations

from collections.abc import Sequence

from hiroba.core.errors import Invalid
from hiroba.identity.models import Resident
from hiroba.ledger.models import Account, AccountKind, Unit
from hiroba.ledger.services import AccountSpec, account_open, accounts_open
from hiroba.tenancy.models import CurrencyArea, Municipality


def chain_of(municipality: Municipality) -> str:
    """A town's journals chain with its currency area's; a town outside any area has a chain of its own."""
    area = municipality.currency_area
    return area.slug if area else f"lg:{municipality.lg_code}"


def area_of(municipality: Municipality) -> CurrencyArea:
    if municipality.currency_area is None:
        raise Invalid(
            "wallet.no_currency_area",
            ja="この市区町村は地域通貨圏に参加していません。",
            en="This municipality is not part of a currency area.",
        )
    return municipality.currency_area


def _points_spec(municipality: Municipality, chain: str, resident: Resident) -> AccountSpec:
    return AccountSpec(
        key=f"rp:{resident.pairwise_id}",
        kind=AccountKind.RESIDENT_POINTS,
        unit=Unit.POINTS,
        chain=chain,
        municipality_id=municipality.lg_code,
        resident_id=resident.pk,
    )


def resident_points(resident: Resident) -> Account:
    m = resident.municipality
    spec = _points_spec(m, chain_of(m), resident)
    return accounts_open([spec])[spec.key]


def residents_points(municipality: Municipality, residents: Sequence[Resident]) -> dict[int, Account]:
    """Points accounts of residents of `municipality`, by resident id: the town's existing accounts in one query,
    the missing ones opened in bulk (award batches reach every resident of a town)."""
    wanted = {r.pk for r in residents}
    fields = ("pk", "key", "unit", "chain", "balance", "reserved", "may_go_negative", "has_lots", "resident_id")
    existing = {  # a town's accounts run to six figures: rows, and models only for the residents asked for
        row[-1]: Account(
            kind=AccountKind.RESIDENT_POINTS, municipality=municipality, **dict(zip(fields, row, strict=True))
        )
        for row in Account.objects.filter(kind=AccountKind.RESIDENT_POINTS, municipality=municipality).values_list(
            *fields
        )
        if row[-1] in wanted
    }
    missing = [r for r in residents if r.pk not in existing]
    if missing:
        chain = chain_of(municipality)
        opened = accounts_open([_points_spec(municipality, chain, r) for r in missing])
        existing |= {r.pk: opened[f"rp:{r.pairwise_id}"] for r in missing}
    return {r.pk: existing[r.pk] for r in residents}


def _wallet_spec(resident: Resident) -> AccountSpec:
    m = resident.municipality
    area = area_of(m)
    return AccountSpec(
        key=f"rw:{area.slug}:{resident.pairwise_id}",
        kind=AccountKind.RESIDENT_WALLET,
        unit=Unit.COIN,
        chain=area.slug,
        municipality_id=m.lg_code,
        area_id=area.pk,
        resident_id=resident.pk,
    )


def _merchant_spec(merchant_id: str, area: CurrencyArea) -> AccountSpec:
    return AccountSpec(
        key=f"m:{merchant_id}", kind=AccountKind.MERCHANT, unit=Unit.COIN, chain=area.slug, area_id=area.pk
    )


def resident_wallet(resident: Resident) -> Account:
    spec = _wallet_spec(resident)
    return accounts_open([spec])[spec.key]


def wallet_and_merchant(resident: Resident, merchant_id: str, area: CurrencyArea) -> tuple[Account, Account]:
    """The resident's wallet and the shop's account, in one query: the two sides of every payment."""
    wallet, shop = _wallet_spec(resident), _merchant_spec(merchant_id, area)
    opened = accounts_open([wallet, shop])
    return opened[wallet.key], opened[shop.key]


def points_issuance(municipality: Municipality) -> Account:
    return account_open(
        key=f"pi:{municipality.lg_code}",
        kind=AccountKind.POINTS_ISSUANCE,
        unit=Unit.POINTS,
        chain=chain_of(municipality),
        municipality_id=municipality.lg_code,
    )


def coin_issuance(municipality: Municipality) -> Account:
    area = area_of(municipality)
    return account_open(
        key=f"i:{municipality.lg_code}",
        kind=AccountKind.ISSUANCE,
        unit=Unit.COIN,
        chain=area.slug,
        municipality_id=municipality.lg_code,
        area_id=area.pk,
    )


def budget(municipality: Municipality, year: int) -> Account:
    area = area_of(municipality)
    return account_open(
        key=f"b:{municipality.lg_code}:{year}",
        kind=AccountKind.BUDGET,
        unit=Unit.COIN,
        chain=area.slug,
        municipality_id=municipality.lg_code,
        area_id=area.pk,
    )


def counter_cash(municipality: Municipality) -> Account:
    area = area_of(municipality)
    return account_open(
        key=f"cash:{municipality.lg_code}",
        kind=AccountKind.CASH,
        unit=Unit.COIN,
        chain=area.slug,
        municipality_id=municipality.lg_code,
        area_id=area.pk,
    )


def merchant_account(merchant_id: str, area: CurrencyArea) -> Account:
    spec = _merchant_spec(merchant_id, area)
    return accounts_open([spec])[spec.key]


def settlement_account(area: CurrencyArea) -> Account:
    return account_open(
        key=f"s:{area.slug}", kind=AccountKind.SETTLEMENT, unit=Unit.COIN, chain=area.slug, area_id=area.pk
    )


def fee_account(area: CurrencyArea) -> Account:
    return account_open(
        key=f"fees:{area.slug}", kind=AccountKind.FEES, unit=Unit.COIN, chain=area.slug, area_id=area.pk
    )
