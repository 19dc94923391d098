"""Reads for the staff finance pages: a town's budgets, shops, outstanding and expired coins and daily payments;
an area's settlement runs, their files, the clearing report and the paid-coin balance at the legal base dates.

Every function takes the signed-in person's `StaffScope` and refuses with 403 `tenancy.forbidden` unless it covers
the town (its finance or administration staff) or the area (finance or administration staff of a member town, or
the agency). Every query is filtered by that town or area.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from hiroba.core.errors import NotFound
from hiroba.ledger.models import Account, AccountKind, JournalState, Lot, LotMove, Posting, Unit
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import CurrencyArea, Municipality, Role
from hiroba.tenancy.selectors import StaffScope
from hiroba.wallet.models import AreaSettings, Merchant, Settlement, SettlementCycle
from hiroba.wallet.selectors import PaidCoinReport, base_dates, paid_coin_report
from hiroba.wallet.services.settlement import PERIOD, Period, parse_period

log = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")
FINANCE_ROLES = (Role.FINANCE, Role.ADMIN)
CHART_DAYS = 30
# What settlement writes: zengin-<payer>-<period>.txt, statement-<merchant>-<period>.csv, clearing-<area>-<period>.csv.
# One dot only, no separators: a name that matches cannot leave the period's folder.
FILE_NAME = re.compile(r"(?P<kind>zengin|statement|clearing)-[A-Za-z0-9_-]{1,80}\.(?:txt|csv|pdf)")
_FILE_ORDER = {"zengin": 0, "statement": 1, "clearing": 2}


# ---------------------------------------------------------------- who may read


def town_require(scope: StaffScope, lg_code: str) -> None:
    """The town's finance or administration staff (総務 may act for any of its sections)."""
    if not any(scope.has(role, lg_code) for role in FINANCE_ROLES):
        log.warning("tenancy.forbidden", extra={"user_id": scope.user_id, "lg_code": lg_code, "page": "wallet"})
        raise tenancy_errors.forbidden(lg_code)


def area_require(scope: StaffScope, area: CurrencyArea) -> None:
    """Finance or administration staff of any member town, or the agency."""
    if scope.is_agency:
        return
    members = Municipality.objects.filter(currency_area=area).values_list("lg_code", flat=True)
    if not any(scope.has(role, code) for code in members for role in FINANCE_ROLES):
        log.warning("tenancy.forbidden", extra={"user_id": scope.user_id, "area": area.slug, "page": "settlements"})
        raise tenancy_errors.forbidden()


# ---------------------------------------------------------------- a town


@dataclass(frozen=True, slots=True)
class Budget:
    """One fiscal year's budget account (b:<lg_code>:<year>): what the assembly appropriated, what conversions
    used, and what is left to fund (`reserved` is held by pending journals)."""

    year: int
    appropriated: int
    used: int
    reserved: int

    @property
    def left(self) -> int:
        return self.appropriated - self.used - self.reserved


def town_budgets(*, scope: StaffScope, lg_code: str, current_year: int) -> list[Budget]:
    """Every fiscal year's budget of the town, newest first; the current year is always there (zero if none)."""
    town_require(scope, lg_code)
    accounts = {
        a.pk: a for a in Account.objects.filter(kind=AccountKind.BUDGET, municipality_id=lg_code, key__startswith="b:")
    }
    posted = Posting.objects.filter(journal__state=JournalState.POSTED)
    credited = dict(posted.filter(credit_id__in=list(accounts)).values_list("credit_id").annotate(total=Sum("amount")))
    debited = dict(posted.filter(debit_id__in=list(accounts)).values_list("debit_id").annotate(total=Sum("amount")))
    budgets = {
        int(a.key.rsplit(":", 1)[1]): Budget(
            year=int(a.key.rsplit(":", 1)[1]),
            appropriated=int(credited.get(pk, 0)),
            used=int(debited.get(pk, 0)),
            reserved=a.reserved,
        )
        for pk, a in accounts.items()
    }
    budgets.setdefault(current_year, Budget(year=current_year, appropriated=0, used=0, reserved=0))
    return [budgets[year] for year in sorted(budgets, reverse=True)]


@dataclass(frozen=True, slots=True)
class Outstanding:
    """Coins funded by the town that residents still hold and may spend."""

    granted: int
    paid: int

    @property
    def total(self) -> int:
        return self.granted + self.paid


def town_outstanding(*, scope: StaffScope, lg_code: str, today: date) -> Outstanding:
    """The remaining value of unexpired coin lots whose funder is the town, granted and paid (bought) apart."""
    town_require(scope, lg_code)
    rows = dict(
        Lot.objects.filter(funder_id=lg_code, account__unit=Unit.COIN, remaining__gt=0, expires_on__gte=today)
        .values_list("paid")
        .annotate(total=Sum("remaining"))
    )
    return Outstanding(granted=int(rows.get(False, 0)), paid=int(rows.get(True, 0)))


@dataclass(frozen=True, slots=True)
class Expired:
    """What expired and went back to the town (its expiry accounts x:<chain>:<lg_code>:<unit>)."""

    coins: int
    points: int


def town_expired(*, scope: StaffScope, lg_code: str) -> Expired:
    town_require(scope, lg_code)
    rows = dict(
        Account.objects.filter(kind=AccountKind.EXPIRY, municipality_id=lg_code)
        .values_list("unit")
        .annotate(total=Sum("balance"))
    )
    return Expired(coins=int(rows.get(Unit.COIN, 0)), points=int(rows.get(Unit.POINTS, 0)))


def town_merchants(*, scope: StaffScope, lg_code: str) -> QuerySet[Merchant]:
    """The town's shops; applications first (the status values sort applied < approved < rejected < suspended)."""
    town_require(scope, lg_code)
    return Merchant.objects.filter(municipality_id=lg_code).order_by("status", "name", "pk")


def town_merchant_get(*, scope: StaffScope, lg_code: str, merchant_id: str) -> Merchant:
    """One of the town's shops; another town's shop is as unknown as a missing one."""
    merchant = town_merchants(scope=scope, lg_code=lg_code).filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound("wallet.merchant_not_found", ja="加盟店が見つかりません。", en="No such merchant.")
    return merchant


@dataclass(frozen=True, slots=True)
class DayVolume:
    day: date
    count: int
    amount: int


def town_daily_payments(*, scope: StaffScope, lg_code: str, today: date, days: int = CHART_DAYS) -> list[DayVolume]:
    """Payments at the town's shops per day (Japan time) over the `days` days ending today, oldest first; every
    day is there, with zeros when nothing was paid."""
    town_require(scope, lg_code)
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, TOKYO)
    end = datetime.combine(today + timedelta(days=1), time.min, TOKYO)
    shop_accounts = [f"m:{pk}" for pk in Merchant.objects.filter(municipality_id=lg_code).values_list("pk", flat=True)]
    rows = (
        Posting.objects.filter(
            journal__kind="payment",
            journal__state=JournalState.POSTED,
            journal__final_at__gte=start,
            journal__final_at__lt=end,
            credit__key__in=shop_accounts,
        )
        .annotate(day=TruncDate("journal__final_at", tzinfo=TOKYO))
        .values_list("day")
        .annotate(total=Sum("amount"), count=Count("journal", distinct=True))
    )
    by_day = {day: (int(count), int(total)) for day, total, count in rows}
    volumes = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        count, amount = by_day.get(day, (0, 0))
        volumes.append(DayVolume(day=day, count=count, amount=amount))
    return volumes


# ---------------------------------------------------------------- an area


def area_settlements(*, scope: StaffScope, area: CurrencyArea) -> QuerySet[Settlement]:
    """The area's settlement runs, newest period first."""
    area_require(scope, area)
    return Settlement.objects.filter(area=area).order_by("-period")


def area_cycle(*, area: CurrencyArea) -> str:
    rule = AreaSettings.objects.filter(area=area).first()
    return rule.settlement_cycle if rule is not None else SettlementCycle.MONTHLY


def last_ended_period(*, area: CurrencyArea, today: date) -> str:
    """The most recent period that has ended before `today`: what the finance staff usually settle next."""
    previous_month = today.replace(day=1) - timedelta(days=1)
    if area_cycle(area=area) != SettlementCycle.SEMIMONTHLY:
        return f"{previous_month:%Y-%m}"
    first_half_last_day = 15
    if today.day > first_half_last_day:
        return f"{today:%Y-%m}-1"
    return f"{previous_month:%Y-%m}-2"


def settlement_dir(*, area: CurrencyArea, period: str) -> Path:
    """Where a period's files are written and served from: VAR_DIR/settlements/<area>/<period>."""
    if PERIOD.fullmatch(period) is None:
        raise NotFound("wallet.settlement_unknown", ja="精算が見つかりません。", en="No such settlement.")
    return Path(settings.VAR_DIR) / "settlements" / area.slug / period


@dataclass(frozen=True, slots=True)
class SettlementFile:
    name: str
    kind: str  # "zengin" | "statement" | "clearing"
    size: int
    shop: str = ""  # a statement's shop name


def settlement_files(*, scope: StaffScope, area: CurrencyArea, period: str) -> list[SettlementFile]:
    """The regular files settlement wrote for the period (Zengin first, then statements, then the clearing report).
    Anything else in the folder (symbolic links, other names) is neither listed nor served."""
    area_require(scope, area)
    folder = settlement_dir(area=area, period=period)
    if not folder.is_dir():
        return []
    found: list[tuple[str, str, int]] = []
    for path in folder.iterdir():
        match = FILE_NAME.fullmatch(path.name)
        if match is None or path.is_symlink() or not path.is_file():
            continue
        found.append((path.name, match["kind"], path.stat().st_size))

    def shop_of(name: str) -> str:  # statement-<merchant>-<period>.<csv|pdf>
        return name.removeprefix("statement-").rsplit(".", 1)[0].removesuffix(f"-{period}")

    shop_ids = {shop_of(name) for name, kind, _ in found if kind == "statement"}
    shops = dict(Merchant.objects.filter(area=area, pk__in=shop_ids).values_list("pk", "name"))
    files = [
        SettlementFile(
            name=name, kind=kind, size=size, shop=shops.get(shop_of(name), "") if kind == "statement" else ""
        )
        for name, kind, size in found
    ]
    return sorted(files, key=lambda f: (_FILE_ORDER[f.kind], f.shop, f.name))


def settlement_file_path(*, scope: StaffScope, area: CurrencyArea, period: str, name: str) -> Path:
    """The path of one listed file: the name must be exactly one that `settlement_files` lists."""
    listed = {f.name for f in settlement_files(scope=scope, area=area, period=period)}
    if name not in listed:
        raise NotFound(
            "wallet.settlement_file_unknown",
            ja="精算ファイルが見つかりません。",
            en="No such settlement file.",
            detail={"period": period},
        )
    return settlement_dir(area=area, period=period) / name


@dataclass(frozen=True, slots=True)
class ClearingRow:
    """By lot lineage: how much of what was spent at the area's shops in the period each town funded."""

    lg_code: str
    name: str
    name_en: str
    granted: int
    paid: int

    @property
    def total(self) -> int:
        return self.granted + self.paid


def _period(label: str) -> Period:
    match = PERIOD.fullmatch(label)
    cycle = SettlementCycle.SEMIMONTHLY if match is not None and match["half"] else SettlementCycle.MONTHLY
    return parse_period(label, cycle)


def area_clearing(*, scope: StaffScope, area: CurrencyArea, period: str) -> list[ClearingRow]:
    """Payments minus refunds in the period at the area's shops, by funding town (the settlement's clearing report,
    read from the ledger)."""
    area_require(scope, area)
    start, end = _period(period).bounds()
    rows = (
        LotMove.objects.filter(
            posting__journal__chain=area.slug,
            posting__journal__kind__in=("payment", "refund"),
            posting__journal__state=JournalState.POSTED,
            posting__journal__final_at__gte=start,
            posting__journal__final_at__lt=end,
        )
        .values_list("lot__funder_id", "lot__paid")
        .annotate(total=Sum("amount"))
    )
    spent: dict[tuple[str, bool], int] = {(funder, paid): -int(total) for funder, paid, total in rows}
    towns = Municipality.objects.filter(lg_code__in={funder for funder, _ in spent}).order_by("lg_code")
    return [
        ClearingRow(
            lg_code=m.lg_code,
            name=m.name,
            name_en=m.name_en,
            granted=spent.get((m.lg_code, False), 0),
            paid=spent.get((m.lg_code, True), 0),
        )
        for m in towns
    ]


def area_paid_coin_reports(*, scope: StaffScope, area: CurrencyArea, today: date) -> list[PaidCoinReport]:
    """Unused paid coins (前払式支払手段) at the last four base dates (3/31, 9/30), newest first."""
    area_require(scope, area)
    return [paid_coin_report(area=area, base_date=day) for day in base_dates(until=today)]
