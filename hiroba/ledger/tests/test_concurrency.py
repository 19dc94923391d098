"""16 threads of random grants, payments, holds, refunds and expiries against shared accounts, on PostgreSQL."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from hiroba.core.errors import AppError
from hiroba.ledger import services
from hiroba.ledger.models import Account, AccountKind, Journal, Unit
from hiroba.ledger.selectors import ledger_verify
from hiroba.ledger.services import Move, NewLot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS, OPS = 16, 40
TODAY = date(2026, 11, 26)


def test_random_concurrent_work_keeps_every_invariant(demo: Any) -> None:
    def open_(key: str, kind: AccountKind, town: str | None = None) -> Account:
        return services.account_open(key=key, kind=kind, unit=Unit.COIN, chain="saku", municipality_id=town)

    issuers = [open_("i:202177", AccountKind.ISSUANCE, "202177"), open_("i:202088", AccountKind.ISSUANCE, "202088")]
    wallets = [open_(f"rw:r{i}", AccountKind.RESIDENT_WALLET) for i in range(6)]
    shops = [open_(f"m:s{i}", AccountKind.MERCHANT) for i in range(3)]
    refused: list[str] = []
    crashed: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        rng = random.Random(n)  # noqa: S311 (a reproducible workload, not a secret)
        try:
            barrier.wait()
            for op in range(OPS):
                key = f"t{n}-{op}"
                wallet, shop, issuer = rng.choice(wallets), rng.choice(shops), rng.choice(issuers)
                roll = rng.random()
                try:
                    if roll < 0.35:
                        funder = issuer.municipality_id or ""
                        services.journal_post(
                            key=key,
                            kind="grant",
                            chain="saku",
                            on=TODAY,
                            moves=[
                                Move(
                                    issuer,
                                    wallet,
                                    rng.randint(1, 500),
                                    lot=NewLot(funder, TODAY + timedelta(days=rng.choice([1, 30, 300]))),
                                )
                            ],
                        )
                    elif roll < 0.65:
                        services.journal_post(
                            key=key,
                            kind="payment",
                            chain="saku",
                            on=TODAY,
                            moves=[Move(wallet, shop, rng.randint(1, 300))],
                        )
                    elif roll < 0.8:
                        services.journal_post(
                            key=key,
                            kind="payment",
                            chain="saku",
                            on=TODAY,
                            pending_for=timedelta(minutes=5),
                            moves=[Move(wallet, shop, rng.randint(1, 300))],
                        )
                        (services.journal_commit if rng.random() < 0.5 else services.journal_void)(key=key)
                    elif roll < 0.95:
                        paid = Journal.objects.filter(kind="payment", state="posted").order_by("?").first()
                        if paid:
                            posting = paid.postings.get()
                            amount = rng.randint(1, posting.amount)
                            restore = services.refund_moves(original=paid, amount=amount)[0][1]
                            services.journal_post(
                                key=f"refund-{paid.key}",
                                kind="refund",
                                chain="saku",
                                on=TODAY,
                                moves=[Move(posting.credit, posting.debit, amount, restore=restore)],
                            )
                    else:
                        services.ledger_expire(on=TODAY + timedelta(days=2))
                except AppError as error:
                    refused.append(error.code)
        except BaseException as error:  # noqa: BLE001 (reported to the main thread)
            crashed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert crashed == []
    # refusals are the expected kinds only (an empty wallet, a refund already given with another amount)
    assert set(refused) <= {"ledger.insufficient_funds", "ledger.idempotency_mismatch", "ledger.journal"}
    counts, violations = ledger_verify()
    assert violations == [], [str(v) for v in violations]
    assert counts["journals"] > THREADS * OPS // 3
    # what residents, shops and expiry hold is exactly what the towns issued
    held = sum(a.balance for a in Account.objects.exclude(kind=AccountKind.ISSUANCE))
    assert held == -sum(a.balance for a in Account.objects.filter(kind=AccountKind.ISSUANCE)) > 0
