"""Reads for the wallet: what a resident holds and when it expires, a shop's incoming payments, the paid-coin
(前払式支払手段) balance at the legal base dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum

from hiroba.core.errors import NotFound
from hiroba.identity.models import Resident, User
from hiroba.ledger.models import Account, Journal, JournalState, Lot, LotMove
from hiroba.tenancy.models import CurrencyArea
from hiroba.wallet.models import USABLE_CARD, AreaSettings, Merchant, PaymentRequest, PrintedCard

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Holding:
    kind: str  # "points" | "coin" | "paid_coin"
    amount: int
    expires_on: date
    funder: str


@dataclass(frozen=True)
class WalletView:
    points: int
    coins: int
    paid_coins: int
    holdings: list[Holding]  # first expiring first
    history: list[tuple[datetime, str, int, str]]  # (time, kind, signed amount, journal key)


def _account(key: str) -> Account | None:
    return Account.objects.filter(key=key).first()


def wallet_view(*, resident: Resident, on: date, history: int = 20) -> WalletView:
    """Balances by kind with what expires when, and recent movements of the resident's points and coins."""
    keys = [f"rp:{resident.pairwise_id}"]
    area = resident.municipality.currency_area
    if area is not None:
        keys.append(f"rw:{area.slug}:{resident.pairwise_id}")
    accounts = list(Account.objects.filter(key__in=keys))
    lots = Lot.objects.filter(account__in=accounts, remaining__gt=0, expires_on__gte=on).select_related("account")
    holdings = sorted(
        (
            Holding(
                "points" if lot.account.unit == "points" else "paid_coin" if lot.paid else "coin",
                lot.remaining,
                lot.expires_on,
                lot.funder_id,
            )
            for lot in lots
        ),
        key=lambda h: (h.expires_on, h.kind),
    )
    own = {a.pk for a in accounts}
    moves: list[tuple[datetime, str, int, str]] = []
    for j in (
        Journal.objects.filter(
            Q(postings__debit__in=accounts) | Q(postings__credit__in=accounts), state=JournalState.POSTED
        )
        .distinct()
        .prefetch_related("postings")
        .order_by("-final_at")[:history]
    ):
        signed = sum(p.amount * ((p.credit_id in own) - (p.debit_id in own)) for p in j.postings.all())
        if j.final_at is not None:
            moves.append((j.final_at.astimezone(TOKYO), j.kind, signed, j.key))
    return WalletView(
        points=sum(h.amount for h in holdings if h.kind == "points"),
        coins=sum(h.amount for h in holdings if h.kind == "coin"),
        paid_coins=sum(h.amount for h in holdings if h.kind == "paid_coin"),
        holdings=holdings,
        history=moves,
    )


def expiring_soon(*, resident: Resident, on: date, within_days: int = 30) -> list[Holding]:
    return [
        h
        for h in wallet_view(resident=resident, on=on, history=0).holdings
        if h.expires_on <= on + timedelta(days=within_days)
    ]


def merchant_payments(*, merchant: Merchant, since: datetime, limit: int = 50) -> list[tuple[datetime, str, int, str]]:
    """Incoming payments and refunds of a shop, newest first (for its live screen)."""
    rows = []
    for j in (
        Journal.objects.filter(
            memo__merchant=merchant.pk, kind__in=("payment", "refund"), state=JournalState.POSTED, final_at__gte=since
        )
        .annotate(total=Sum("postings__amount"))
        .order_by("-final_at")[:limit]
    ):
        amount = j.total or 0
        if j.final_at is not None:
            rows.append((j.final_at.astimezone(TOKYO), j.kind, amount if j.kind == "payment" else -amount, j.key))
    return rows


@dataclass(frozen=True)
class PaidCoinReport:
    base_date: date
    unused: int
    threshold: int

    @property
    def over_threshold(self) -> bool:
        return self.unused > self.threshold


def paid_coin_report(*, area: CurrencyArea, base_date: date) -> PaidCoinReport:
    """Unused paid coins at the end of a base date (3/31 and 9/30 by law): each paid lot's amount plus every move
    on it made by then."""
    end = datetime.combine(base_date + timedelta(days=1), time.min, TOKYO)
    lots = Lot.objects.filter(paid=True, account__area=area, created_by__journal__final_at__lt=end)
    moved = LotMove.objects.filter(
        lot__in=lots, posting__journal__final_at__lt=end, posting__journal__state=JournalState.POSTED
    )
    # what was left: each lot's amount plus every move on it made by then
    unused = (lots.aggregate(total=Sum("amount"))["total"] or 0) + (moved.aggregate(total=Sum("amount"))["total"] or 0)
    configured = AreaSettings.objects.filter(area=area).values_list("deposit_threshold", flat=True).first()
    threshold = configured if configured is not None else AreaSettings._meta.get_field("deposit_threshold").default
    return PaidCoinReport(base_date, unused, int(threshold))


def base_dates(*, until: date, count: int = 4) -> list[date]:
    """The most recent 3/31 and 9/30 on or before `until`, newest first."""
    dates: list[date] = []
    year = until.year
    while len(dates) < count:
        for candidate in (date(year, 9, 30), date(year, 3, 31)):
            if candidate <= until and len(dates) < count:
                dates.append(candidate)
        year -= 1
    return dates


def payment_request_get(*, request_id: str) -> PaymentRequest:
    """A shop's request as stored: confirm pages show what will be charged, not what a QR claims."""
    found = PaymentRequest.objects.select_related("merchant__municipality").filter(pk=request_id).first()
    if found is None:
        raise NotFound("wallet.request_unknown", ja="支払い依頼が見つかりません。", en="Unknown payment request.")
    return found


def merchants_owned(*, user: User) -> QuerySet[Merchant]:
    return Merchant.objects.select_related("area", "municipality").filter(user=user).order_by("name")


def merchant_owned(*, user: User, merchant_id: str) -> Merchant:
    """The owner's shop; another owner's shop is as unknown as one that does not exist (404, not 403)."""
    shop = merchants_owned(user=user).filter(pk=merchant_id).first()
    if shop is None:
        raise NotFound("wallet.merchant_unknown", ja="このお店は見つかりません。", en="Unknown shop.")
    return shop


def town_card_exists(*, lg_code: str, card_id: str) -> bool:
    return PrintedCard.objects.filter(pk=card_id, resident__municipality_id=lg_code).exists()


def budget_left(*, lg_code: str, year: int) -> int:
    """Coins the town's budget for fiscal `year` can still fund (0 when none was appropriated)."""
    account = Account.objects.filter(key=f"b:{lg_code}:{year}").values_list("balance", "reserved").first()
    return account[0] - account[1] if account else 0


def conversion_rate(*, area: CurrencyArea | None) -> tuple[int, int]:
    """The area's rate as (coins, per points); 1:1 when the area has no settings yet or the town has no area."""
    settings = AreaSettings.objects.filter(area=area).first() if area else None
    return (settings.coins_per_point_num, settings.coins_per_point_den) if settings else (1, 1)


def cards_of(*, resident: Resident) -> list[PrintedCard]:
    """The resident's own printed cards that may pay again (not lost or replaced), newest first; proxies' cards
    are not among them."""
    rows = PrintedCard.objects.filter(resident=resident, delegation__isnull=True, status__in=USABLE_CARD)
    return list(rows.order_by("-issued_at"))


def coins_expiring(
    *, residents: list[Resident], area: CurrencyArea, on: date, within_days: int
) -> dict[int, list[tuple[date, int]]]:
    """For each resident (by id) of `area`, their coins (granted and paid) that expire within `within_days` of `on`,
    summed by expiry date, earliest first; residents with none are left out. One query for the whole list."""
    owners = {f"rw:{area.slug}:{r.pairwise_id}": r.pk for r in residents}
    rows = (
        Lot.objects.filter(
            account__key__in=list(owners),
            remaining__gt=0,
            expires_on__gte=on,
            expires_on__lte=on + timedelta(days=within_days),
        )
        .values_list("account__key", "expires_on")
        .annotate(total=Sum("remaining"))
        .order_by("account__key", "expires_on")
    )
    expiring: dict[int, list[tuple[date, int]]] = {}
    for key, day, total in rows:
        expiring.setdefault(owners[key], []).append((day, int(total)))
    return expiring
