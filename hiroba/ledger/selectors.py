"""Reads of the ledger, and `ledger_verify`: every balance, lot and chain recomputed from the postings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC

from django.db.models import F, Q, Sum

from hiroba.ledger.chain import JournalLink, PostingLink, verify_chain
from hiroba.ledger.models import Account, Journal, JournalState, Lot, LotMove, Posting


@dataclass(frozen=True)
class Violation:
    what: str  # "account", "lot", "journal", "chain", "posting", "total"
    ref: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what} {self.ref}: {self.detail}"


def account_balance(*, key: str) -> tuple[int, int]:
    """(posted balance, reserved by pending journals)."""
    account = Account.objects.get(key=key)
    return account.balance, account.reserved


def _sums(field: str, state: str) -> dict[int, int]:
    rows = Posting.objects.filter(journal__state=state).values(field).annotate(total=Sum("amount"))
    return {row[field]: int(row["total"]) for row in rows}


def ledger_verify() -> tuple[dict[str, int], list[Violation]]:
    """Recompute everything the ledger caches or chains; returns (counts, violations)."""
    violations: list[Violation] = []
    credited, debited = _sums("credit", JournalState.POSTED), _sums("debit", JournalState.POSTED)
    pending = _sums("debit", JournalState.PENDING)
    lot_left: dict[int, int] = defaultdict(int)
    for account_id, remaining in Lot.objects.values_list("account_id").annotate(total=Sum("remaining")):
        lot_left[account_id] = int(remaining)
    totals: dict[tuple[str, str], int] = defaultdict(int)
    accounts = list(Account.objects.order_by("pk"))
    for a in accounts:
        expected = credited.get(a.pk, 0) - debited.get(a.pk, 0)
        if a.balance != expected:
            violations.append(Violation("account", a.key, f"balance {a.balance} but postings give {expected}"))
        if a.reserved != pending.get(a.pk, 0):
            violations.append(
                Violation("account", a.key, f"reserved {a.reserved} but pending postings give {pending.get(a.pk, 0)}")
            )
        if not a.may_go_negative and a.balance < a.reserved:
            violations.append(Violation("account", a.key, "overdrawn"))
        if a.has_lots and lot_left.get(a.pk, 0) != a.balance - a.reserved:
            violations.append(
                Violation(
                    "account",
                    a.key,
                    f"lots hold {lot_left.get(a.pk, 0)} but the available balance is {a.balance - a.reserved}",
                )
            )
        totals[(a.chain, a.unit)] += a.balance
    for (chain, unit), total in sorted(totals.items()):
        if total:
            violations.append(Violation("total", f"{chain}/{unit}", f"balances sum to {total}, not 0"))
    moved = dict(LotMove.objects.values_list("lot_id").annotate(total=Sum("amount")))
    for lot in Lot.objects.order_by("pk"):
        expected = lot.amount + moved.get(lot.pk, 0)
        if lot.remaining != expected:
            violations.append(
                Violation("lot", str(lot.pk), f"remaining {lot.remaining} but its amount and moves give {expected}")
            )
    for p in Posting.objects.filter(~Q(unit=F("debit__unit")) | ~Q(unit=F("credit__unit"))):
        violations.append(Violation("posting", str(p.pk), "unit differs from its accounts'"))
    chains = _verify_chains(violations)
    return {"accounts": len(accounts), "journals": sum(chains.values()), **chains}, violations


def posting_links(journal_ids: list[int] | None = None) -> dict[int, list[PostingLink]]:
    """The chained form of postings by journal (all journals when `journal_ids` is None): each posting's lot moves
    in the order written, then the lots it created with their amounts."""
    postings_qs = Posting.objects.order_by("pk")
    moves_qs = LotMove.objects.order_by("pk")
    created_qs = Lot.objects.order_by("pk")
    if journal_ids is not None:
        postings_qs = postings_qs.filter(journal_id__in=journal_ids)
        moves_qs = moves_qs.filter(posting__journal_id__in=journal_ids)
        created_qs = created_qs.filter(created_by__journal_id__in=journal_ids)
    moves: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for posting_id, lot_id, amount in moves_qs.values_list("posting_id", "lot_id", "amount"):
        moves[posting_id].append((lot_id, amount))
    for posting_id, lot_id, amount in created_qs.values_list("created_by_id", "pk", "amount"):
        moves[posting_id].append((lot_id, amount))
    links: dict[int, list[PostingLink]] = defaultdict(list)
    for pk, journal_id, debit, credit, unit, amount in postings_qs.values_list(
        "pk", "journal_id", "debit__key", "credit__key", "unit", "amount"
    ):
        links[journal_id].append(PostingLink(debit, credit, unit, amount, tuple(moves[pk])))
    return links


def journal_link(journal: Journal, postings: list[PostingLink]) -> JournalLink:
    if journal.final_at is None or journal.seq is None:
        raise ValueError("only final journals join a chain")
    return JournalLink(
        chain=journal.chain,
        seq=journal.seq,
        prev_hash=journal.prev_hash,
        key=journal.key,
        kind=journal.kind,
        state=journal.state,
        final_at=journal.final_at.astimezone(UTC).isoformat(timespec="microseconds"),
        postings=postings,
    )


def _verify_chains(violations: list[Violation]) -> dict[str, int]:
    postings = posting_links()
    links: dict[str, list[tuple[JournalLink, str]]] = defaultdict(list)
    for j in Journal.objects.exclude(state=JournalState.PENDING).order_by("chain", "seq"):
        if j.final_at is None or j.seq is None:
            violations.append(Violation("journal", j.key, "final but not chained"))
            continue
        links[j.chain].append((journal_link(j, postings[j.pk]), j.hash))
    for chain, chained in sorted(links.items()):
        violations.extend(Violation("chain", f"{b.chain}#{b.seq}", b.reason) for b in verify_chain(chain, chained))
    return {f"chain {chain}": len(chained) for chain, chained in sorted(links.items())}
