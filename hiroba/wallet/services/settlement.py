"""Paying merchants and splitting the cost between towns.

For a closed period, each merchant is owed its payments minus refunds minus the fee (rounded down to the yen per
statement). The ledger moves that from the merchant's receivable to the area's settlement account (and the fee to
the operator); the files are one Zengin 総合振込 file per paying bank account, a CSV and a PDF statement per merchant
(the fee as a qualified invoice) and the clearing report: by lot lineage, how much of what was spent each town funded.
Computing a period again gives byte-identical files; once marked transferred the period is closed for good.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, NotFound
from hiroba.ledger.models import Journal, JournalState, LotMove
from hiroba.ledger.services import Move, journal_post
from hiroba.tenancy.models import CurrencyArea, Municipality
from hiroba.wallet.formats import banks, statement, zengin
from hiroba.wallet.formats.bankdays import next_bank_business_day
from hiroba.wallet.models import AreaSettings, Merchant, PayerAccount, Settlement, SettlementCycle, SettlementStatus
from hiroba.wallet.services import accounts

TOKYO = ZoneInfo("Asia/Tokyo")
CONSUMPTION_TAX_PERCENT = 10


@dataclass(frozen=True)
class Period:
    label: str
    first: date
    last: date

    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.first, time.min, TOKYO),
            datetime.combine(self.last + timedelta(days=1), time.min, TOKYO),
        )


PERIOD = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])(?:-(?P<half>[12]))?")


def parse_period(text: str, cycle: str) -> Period:
    """YYYY-MM for monthly areas; YYYY-MM-1 (1st–15th) or YYYY-MM-2 (16th–end) for areas settling twice monthly."""
    match = PERIOD.fullmatch(text)
    if match is None:
        raise Invalid(
            "wallet.period",
            ja="期間は YYYY-MM または YYYY-MM-1 / YYYY-MM-2 の形で指定してください。",
            en="Give the period as YYYY-MM, or YYYY-MM-1 / YYYY-MM-2.",
        )
    year, month = int(match["year"]), int(match["month"])
    half = int(match["half"]) if match["half"] else None
    if (cycle == SettlementCycle.SEMIMONTHLY) != (half is not None):
        raise Invalid(
            "wallet.period_cycle",
            ja="この地域の精算周期に合わない期間です。",
            en="That period does not match the area's settlement cycle.",
            detail={"cycle": cycle},
        )
    last_day = calendar.monthrange(year, month)[1]
    first = date(year, month, 16 if half == 2 else 1)  # noqa: PLR2004
    last = date(year, month, 15 if half == 1 else last_day)
    return Period(text, first, last)


@dataclass(frozen=True)
class Statement:
    merchant: Merchant
    payments: list[tuple[str, str, int]]  # (local time, journal key, amount); refunds negative
    gross: int
    refunds: int
    fee: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds

    @property
    def payout(self) -> int:
        return self.net - self.fee


@dataclass(frozen=True)
class SettlementRun:
    settlement: Settlement
    statements: list[Statement]
    clearing: list[tuple[str, str, int, int]]  # (lg_code, name, granted coins spent, paid coins spent)
    files: list[Path]


def _statements(area: CurrencyArea, period: Period, rule: AreaSettings) -> list[Statement]:
    start, end = period.bounds()
    rows: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for journal in (
        Journal.objects.filter(
            chain=area.slug,
            kind__in=("payment", "refund"),
            state=JournalState.POSTED,
            final_at__gte=start,
            final_at__lt=end,
        )
        .annotate(total=Sum("postings__amount"))
        .order_by("final_at", "pk")
    ):
        amount = journal.total or 0
        assert journal.final_at is not None  # noqa: S101 (posted journals are final)
        when = journal.final_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S")
        rows[str(journal.memo["merchant"])].append(
            (when, journal.key, amount if journal.kind == "payment" else -amount)
        )
    merchants = Merchant.objects.in_bulk(list(rows))
    statements = []
    for merchant_id in sorted(rows):
        lines = rows[merchant_id]
        gross = sum(a for _, _, a in lines if a > 0)
        refunds = -sum(a for _, _, a in lines if a < 0)
        fee = max(gross - refunds, 0) * rule.fee_bps // 10_000
        statements.append(Statement(merchants[merchant_id], lines, gross, refunds, fee))
    return statements


def _clearing(area: CurrencyArea, period: Period) -> list[tuple[str, str, int, int]]:
    """Spent minus refunded in the period, by the town that funded the lots (granted and paid coins apart)."""
    start, end = period.bounds()
    spent: dict[tuple[str, bool], int] = defaultdict(int)
    moves = LotMove.objects.filter(
        posting__journal__chain=area.slug,
        posting__journal__kind__in=("payment", "refund"),
        posting__journal__state=JournalState.POSTED,
        posting__journal__final_at__gte=start,
        posting__journal__final_at__lt=end,
    )
    for funder, paid, amount in moves.values_list("lot__funder_id", "lot__paid", "amount"):
        spent[(funder, paid)] -= amount
    towns = {m.lg_code: m for m in Municipality.objects.filter(lg_code__in={f for f, _ in spent})}
    return [(code, towns[code].name, spent[(code, False)], spent[(code, True)]) for code in sorted(towns)]


def _payer(merchant: Merchant, default: PayerAccount) -> PayerAccount:
    return merchant.payer or default


def _zengin_files(statements: list[Statement], period: Period, payers: list[PayerAccount], out: Path) -> list[Path]:
    transfer_day = next_bank_business_day(period.last)
    by_payer: dict[str, list[zengin.Transfer]] = defaultdict(list)
    for s in statements:
        if s.payout <= 0:
            continue
        branch = banks.lookup(s.merchant.bank_code, s.merchant.branch_code)
        by_payer[_payer(s.merchant, payers[0]).label].append(
            zengin.Transfer(
                bank_code=branch.bank_code,
                bank_name=branch.bank_kana[:15],
                branch_code=branch.branch_code,
                branch_name=branch.branch_kana[:15],
                account_type=zengin.AccountType(s.merchant.account_type),
                account_number=s.merchant.account_number,
                holder_name=s.merchant.holder_kana,
                amount=s.payout,
            )
        )
    files = []
    for payer in payers:
        transfers = by_payer.get(payer.label)
        if not transfers:
            continue
        branch = banks.lookup(payer.bank_code, payer.branch_code)
        header = zengin.Header(
            requester_code=payer.requester_code,
            requester_name=payer.requester_name,
            transfer_date=transfer_day,
            bank_code=branch.bank_code,
            bank_name=branch.bank_kana[:15],
            branch_code=branch.branch_code,
            branch_name=branch.branch_kana[:15],
            account_type=zengin.AccountType(payer.account_type),
            account_number=payer.account_number,
        )
        path = out / f"zengin-{payer.label}-{period.label}.txt"
        path.write_bytes(zengin.write(zengin.TransferFile(header, tuple(transfers))))
        files.append(path)
    return files


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # Excel opens a UTF-8 CSV with a BOM correctly


def _fee_tax(fee: int) -> int:
    """The consumption tax included in a fee (rounded down once per statement, as a qualified invoice allows)."""
    return fee * CONSUMPTION_TAX_PERCENT // (100 + CONSUMPTION_TAX_PERCENT)


def _statement_file(s: Statement, period: Period, rule: AreaSettings, out: Path) -> Path:
    tax = _fee_tax(s.fee)
    rows: list[list[object]] = [
        ["精算明細書 / Settlement statement", s.merchant.name, s.merchant.pk, period.label],
        ["日時 / time", "取引 / transaction", "金額 / amount (JPY)"],
        *[[when, key, amount] for when, key, amount in s.payments],
        ["売上 / payments", "", s.gross],
        ["返金 / refunds", "", -s.refunds],
        ["手数料（税込） / fee incl. tax", f"{rule.fee_bps / 100:.2f}%", -s.fee],
        ["振込額 / transfer", "", s.payout],
        ["適格請求書 / qualified invoice", rule.operator_name, rule.operator_invoice_number],
        ["手数料 10%対象（税込） / fee at 10% incl. tax", "", s.fee],
        ["うち消費税 / of which consumption tax", "", tax],
    ]
    path = out / f"statement-{s.merchant.pk}-{period.label}.csv"
    path.write_bytes(_csv(rows))
    return path


def _statement_pdf_file(s: Statement, period: Period, rule: AreaSettings, out: Path) -> Path:
    """The same statement as a printable A4 PDF, next to the CSV."""
    path = out / f"statement-{s.merchant.pk}-{period.label}.pdf"
    path.write_bytes(
        statement.statement_pdf(
            operator_name=rule.operator_name,
            invoice_number=rule.operator_invoice_number,
            shop_name=s.merchant.name,
            shop_id=str(s.merchant.pk),
            period=f"{period.label} ({period.first:%Y-%m-%d} – {period.last:%Y-%m-%d})",
            lines=s.payments,
            gross=s.gross,
            refunds=s.refunds,
            fee=s.fee,
            fee_rate_text=f"{rule.fee_bps / 100:.2f}%",
            tax=_fee_tax(s.fee),
            payout=s.payout,
        )
    )
    return path


@transaction.atomic(durable=True)
def _record(area: CurrencyArea, period: Period, total: int, transfer_day: date, actor: Actor) -> Settlement:
    settlement, created = Settlement.objects.get_or_create(
        area=area,
        period=period.label,
        defaults={"transfer_date": transfer_day, "total": total, "computed_at": timezone.now()},
    )
    if created:
        audit_record(
            tag="wallet:settlement:computed",
            actor=actor,
            subject=f"settlement:{area.slug}:{period.label}",
            data={"total": total},
        )
    return settlement


def settle(*, area_slug: str, period: str, out: Path, today: date, actor: Actor) -> SettlementRun:
    """Compute a closed period's settlement and write its files to `out` (same input, same bytes)."""
    area = CurrencyArea.objects.filter(slug=area_slug).first()
    if area is None:
        raise NotFound("wallet.area_unknown", ja="地域通貨圏が見つかりません。", en="Unknown currency area.")
    rule, _ = AreaSettings.objects.get_or_create(area=area)
    p = parse_period(period, rule.settlement_cycle)
    if p.last >= today:
        raise Conflict(
            "wallet.period_open",
            ja="まだ終わっていない期間は精算できません。",
            en="A period can be settled only after it has ended.",
        )
    existing = Settlement.objects.filter(area=area, period=p.label, status=SettlementStatus.TRANSFERRED).first()
    if existing is not None:
        raise Conflict(
            "wallet.period_closed",
            ja="この期間は振込済みで締め切られています。",
            en="This period has been transferred and is closed.",
        )
    payers = list(PayerAccount.objects.filter(area=area).order_by("label"))
    if not payers:
        raise Conflict(
            "wallet.no_payer_account",
            ja="振込元の口座が設定されていません。",
            en="No paying bank account is configured for this area.",
        )
    statements = _statements(area, p, rule)
    moves = []
    for s in statements:
        merchant_account = accounts.merchant_account(s.merchant.pk, area)
        if s.payout > 0:
            moves.append(Move(merchant_account, accounts.settlement_account(area), s.payout))
        if s.fee > 0:
            moves.append(Move(merchant_account, accounts.fee_account(area), s.fee))
    if moves:
        journal_post(
            key=f"settle:{area.slug}:{p.label}",
            kind="settlement",
            chain=area.slug,
            moves=moves,
            memo={"period": p.label},
        )
    out.mkdir(parents=True, exist_ok=True)
    files = _zengin_files(statements, p, payers, out)
    for s in statements:
        files += [_statement_file(s, p, rule, out), _statement_pdf_file(s, p, rule, out)]
    clearing = _clearing(area, p)
    clearing_path = out / f"clearing-{area.slug}-{p.label}.csv"
    clearing_path.write_bytes(
        _csv(
            [
                [
                    "全国地方公共団体コード / lg_code",
                    "市区町村 / municipality",
                    "付与コイン / granted coins",
                    "購入コイン / paid coins",
                    "合計 / total",
                ],
                *[[c, n, g, pd, g + pd] for c, n, g, pd in clearing],
            ]
        )
    )
    files.append(clearing_path)
    settlement = _record(
        area, p, sum(s.payout for s in statements if s.payout > 0), next_bank_business_day(p.last), actor
    )
    return SettlementRun(settlement, statements, clearing, files)


@transaction.atomic(durable=True)
def settlement_mark_transferred(*, area_slug: str, period: str, actor: Actor) -> Settlement:
    settlement = Settlement.objects.select_for_update().filter(area__slug=area_slug, period=period).first()
    if settlement is None:
        raise NotFound(
            "wallet.settlement_unknown",
            ja="精算が見つかりません。先に精算してください。",
            en="No such settlement; settle the period first.",
        )
    if settlement.status != SettlementStatus.TRANSFERRED:
        settlement.status = SettlementStatus.TRANSFERRED
        settlement.transferred_at = timezone.now()
        settlement.save(update_fields=["status", "transferred_at"])
        audit_record(
            tag="wallet:settlement:transferred",
            actor=actor,
            subject=f"settlement:{area_slug}:{period}",
            data={"total": settlement.total},
        )
    return settlement


def transfer_failures_import(*, area_slug: str, period: str, data: bytes, actor: Actor) -> list[str]:
    """The bank's list of failed transfers (as 総合振込 data records): those amounts go back to the merchants'
    balances and are paid with the next period. Returns the merchants concerned."""
    settlement = Settlement.objects.filter(area__slug=area_slug, period=period).select_related("area").first()
    if settlement is None:
        raise NotFound("wallet.settlement_unknown", ja="精算が見つかりません。", en="No such settlement.")
    try:
        failed = zengin.read(data, reference_date=settlement.transfer_date)
    except zengin.ZenginError as error:
        raise Invalid(
            error.code, ja="振込不能ファイルを読み取れません。", en=f"The file cannot be read: {error}."
        ) from None
    area = settlement.area
    merchants = {(m.bank_code, m.branch_code, m.account_number): m for m in Merchant.objects.filter(area=area)}
    moves, found = [], []
    for t in failed.transfers:
        merchant = merchants.get((t.bank_code, t.branch_code, t.account_number))
        if merchant is None:
            raise Invalid(
                "wallet.failed_transfer_unknown",
                ja="加盟店の口座と一致しない振込があります。",
                en="A failed transfer matches no merchant's account.",
                detail={"account": f"{t.bank_code}-{t.branch_code}-{t.account_number}"},
            )
        moves.append(Move(accounts.settlement_account(area), accounts.merchant_account(merchant.pk, area), t.amount))
        found.append(merchant.pk)
    journal_post(
        key=f"settle-failed:{area.slug}:{period}",
        kind="settlement_failed",
        chain=area.slug,
        moves=moves,
        memo={"period": period},
    )
    with transaction.atomic():
        audit_record(
            tag="wallet:settlement:failures_imported",
            actor=actor,
            subject=f"settlement:{area.slug}:{period}",
            data={"merchants": found},
        )
    return found
