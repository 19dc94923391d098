"""The ledger core: balanced journals, lots with lineage, two-phase transfers, refunds, expiry, verify."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hiroba.core.errors import AppError
from hiroba.ledger import services
from hiroba.ledger.models import Account, AccountKind, Journal, Lot, LotMove, Posting, Unit
from hiroba.ledger.selectors import ledger_verify
from hiroba.ledger.services import Move, NewLot

TODAY = date(2026, 11, 26)
SAKU, KOMORO = "202177", "202088"


@pytest.fixture
def area(demo: Any) -> dict[str, Account]:
    """Coin accounts of the Saku area: two towns issuing, two residents, a shop, expiry."""

    def open_(key: str, kind: AccountKind, town: str | None = None) -> Account:
        return services.account_open(key=key, kind=kind, unit=Unit.COIN, chain="saku", municipality_id=town)

    return {
        "saku": open_("i:202177", AccountKind.ISSUANCE, SAKU),
        "komoro": open_("i:202088", AccountKind.ISSUANCE, KOMORO),
        "hanako": open_("rw:hanako", AccountKind.RESIDENT_WALLET),
        "taro": open_("rw:taro", AccountKind.RESIDENT_WALLET),
        "shop": open_("m:shop", AccountKind.MERCHANT),
    }


def grant(
    a: dict[str, Account], who: str, amount: int, *, town: str = "saku", days: int = 180, key: str = ""
) -> Journal:
    funder = a[town].municipality_id
    assert funder is not None
    return services.journal_post(
        key=key or f"grant:{who}:{town}:{amount}:{days}",
        kind="grant",
        chain="saku",
        on=TODAY,
        moves=[Move(a[town], a[who], amount, lot=NewLot(funder, TODAY + timedelta(days=days)))],
    )


def pay(a: dict[str, Account], who: str, amount: int, key: str, **options: Any) -> Journal:
    return services.journal_post(
        key=key, kind="payment", chain="saku", on=TODAY, moves=[Move(a[who], a["shop"], amount)], **options
    )


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def verified() -> bool:
    counts, violations = ledger_verify()
    assert violations == [], [str(v) for v in violations]
    return counts["journals"] > 0


def test_a_grant_and_a_payment_balance_and_verify(area: dict[str, Account]) -> None:
    grant(area, "hanako", 1000)
    pay(area, "hanako", 300, "pay-1")
    assert (balance(area["hanako"]), balance(area["shop"]), balance(area["saku"])) == (700, 300, -1000)
    assert verified()


def test_spending_takes_the_first_expiring_lot_and_remembers_its_funder(area: dict[str, Account]) -> None:
    grant(area, "hanako", 500, town="komoro", days=30)  # expires first
    grant(area, "hanako", 500, town="saku", days=300)
    journal = pay(area, "hanako", 700, "pay-fefo")
    lineage = {
        m.lot.funder_id: -m.amount for m in LotMove.objects.filter(posting__journal=journal).select_related("lot")
    }
    assert lineage == {KOMORO: 500, SAKU: 200}
    assert verified()


def test_not_enough_money_is_refused_and_writes_nothing(area: dict[str, Account]) -> None:
    grant(area, "hanako", 100)
    with pytest.raises(AppError) as refused:
        pay(area, "hanako", 101, "pay-too-much")
    assert refused.value.code == "ledger.insufficient_funds"
    assert not Journal.objects.filter(key="pay-too-much").exists()
    assert balance(area["hanako"]) == 100


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, 10**13])
def test_bad_amounts_are_refused(area: dict[str, Account], amount: Any) -> None:
    with pytest.raises(AppError) as refused:
        pay(area, "hanako", amount, "pay-bad")
    assert refused.value.code == "ledger.amount"
    assert not Journal.objects.exists()


def test_a_replayed_key_returns_the_first_journal_and_another_body_is_a_conflict(area: dict[str, Account]) -> None:
    grant(area, "hanako", 1000)
    first = pay(area, "hanako", 300, "pay-once")
    assert pay(area, "hanako", 300, "pay-once").pk == first.pk
    assert balance(area["hanako"]) == 700
    with pytest.raises(AppError) as refused:
        pay(area, "hanako", 400, "pay-once")
    assert refused.value.code == "ledger.idempotency_mismatch"


def test_pending_then_commit_and_pending_then_void(area: dict[str, Account]) -> None:
    grant(area, "hanako", 1000)
    pay(area, "hanako", 600, "hold-1", pending_for=timedelta(minutes=5))
    area["hanako"].refresh_from_db()
    assert (area["hanako"].balance, area["hanako"].reserved) == (1000, 600)
    with pytest.raises(AppError) as refused:  # the held value cannot be spent twice
        pay(area, "hanako", 500, "pay-while-held")
    assert refused.value.code == "ledger.insufficient_funds"
    services.journal_commit(key="hold-1")
    assert (balance(area["hanako"]), balance(area["shop"])) == (400, 600)
    pay(area, "hanako", 400, "hold-2", pending_for=timedelta(minutes=5))
    services.journal_void(key="hold-2")
    area["hanako"].refresh_from_db()
    assert (area["hanako"].balance, area["hanako"].reserved) == (400, 0)
    assert sum(Lot.objects.filter(account=area["hanako"]).values_list("remaining", flat=True)) == 400
    with pytest.raises(AppError) as again:
        services.journal_commit(key="hold-2")
    assert again.value.code == "ledger.not_pending"
    assert verified()


def test_a_pending_journal_times_out(area: dict[str, Account]) -> None:
    grant(area, "hanako", 1000)
    pay(area, "hanako", 600, "hold-late", pending_for=timedelta(minutes=5))
    later = timezone.now() + timedelta(minutes=6)
    assert services.journal_void_expired(now=later) == 1
    assert Journal.objects.get(key="hold-late").state == "voided"
    assert verified()


def test_a_refund_returns_value_to_the_lots_it_came_from(area: dict[str, Account]) -> None:
    grant(area, "hanako", 500, town="komoro", days=30)
    grant(area, "hanako", 500, town="saku", days=300)
    payment = pay(area, "hanako", 800, "pay-r")
    moves = [
        Move(area["shop"], area["hanako"], 300, restore=restore)
        for _, restore in services.refund_moves(original=payment, amount=300)
    ]
    services.journal_post(key="refund-r", kind="refund", chain="saku", on=TODAY, moves=moves)
    # the latest-expiring lot (Saku's) gets the value back first
    assert dict(Lot.objects.filter(account=area["hanako"]).values_list("funder_id", "remaining")) == {
        KOMORO: 0,
        SAKU: 500,
    }
    assert verified()
    with pytest.raises(AppError) as refused:
        services.refund_moves(original=payment, amount=801)
    assert refused.value.code == "ledger.journal"


def test_expiry_returns_lots_to_their_funders_once(area: dict[str, Account]) -> None:
    grant(area, "hanako", 300, town="komoro", days=10)
    grant(area, "hanako", 200, town="saku", days=10)
    grant(area, "hanako", 100, town="saku", days=100)
    later = TODAY + timedelta(days=11)
    assert len(services.ledger_expire(on=later)) == 1
    assert services.ledger_expire(on=later) == []  # nothing left to expire: running again changes nothing
    assert balance(area["hanako"]) == 100
    expired = {a.municipality_id: a.balance for a in Account.objects.filter(kind=AccountKind.EXPIRY)}
    assert expired == {KOMORO: 300, SAKU: 200}
    assert verified()


def test_history_cannot_be_edited(area: dict[str, Account]) -> None:
    grant(area, "hanako", 100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.update(amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Journal.objects.update(kind="other")


def test_the_database_refuses_a_posting_in_another_unit(area: dict[str, Account]) -> None:
    journal = grant(area, "hanako", 100)
    rows = [(area["saku"].pk, area["shop"].pk, "coin", 5), (area["saku"].pk, area["shop"].pk, "point", 5)]
    with pytest.raises(IntegrityError, match=r"ledger\.unit"), transaction.atomic():
        Posting.objects.bulk_create(
            [Posting(journal=journal, debit_id=d, credit_id=c, unit=u, amount=a) for d, c, u, a in rows]
        )
    assert Posting.objects.filter(journal=journal).count() == 1


def test_verify_reports_a_lot_that_no_longer_matches_its_amount_and_moves(area: dict[str, Account]) -> None:
    grant(area, "hanako", 300)
    lot = Lot.objects.get(account=area["hanako"])
    assert verified()
    Lot.objects.filter(pk=lot.pk).update(remaining=250)  # an attacker with database access
    reports = {str(v) for v in ledger_verify()[1]}
    assert f"lot {lot.pk}: remaining 250 but its amount and moves give 300" in reports


def test_verify_reports_a_tampered_balance_and_a_tampered_posting(area: dict[str, Account]) -> None:
    grant(area, "hanako", 100)
    Account.objects.filter(key="m:shop").update(balance=5)
    with connection.cursor() as cursor:  # an attacker with database access, past the triggers
        cursor.execute(
            "DROP TRIGGER ledger_posting_no_update" + ("" if connection.vendor == "sqlite" else " ON ledger_posting")
        )
        cursor.execute("UPDATE ledger_posting SET amount = 90")
    _, violations = ledger_verify()
    reports = {str(v) for v in violations}
    assert "account m:shop: balance 5 but postings give 0" in reports
    assert any(v.what == "chain" and "hash does not match" in v.detail for v in violations)
    with pytest.raises(CommandError, match=r"ledger\.verify_failed"):
        call_command("ledger_verify", stdout=io.StringIO(), stderr=io.StringIO())
