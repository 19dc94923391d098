"""Writes to the ledger. Other apps move value only through these functions.

Every public function owns its transaction. Accounts are locked in ascending id order, then the chain head, so two
journals touching the same accounts queue instead of deadlocking. A journal's key makes it idempotent: the same key
with the same request returns the first journal; with a different request it is refused (409).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, Value, When
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, NotFound
from hiroba.ledger import errors
from hiroba.ledger.chain import PostingLink
from hiroba.ledger.lots import LotView, NotEnoughInLots, allocate
from hiroba.ledger.models import Account, AccountKind, ChainHead, Journal, JournalState, Lot, LotMove, Posting, Unit
from hiroba.ledger.selectors import journal_link, posting_links

MAX_CASE_ACCOUNTS = 16
MAX_AMOUNT = 10**12  # one trillion: far above any municipal budget, far below the 64-bit limit


@dataclass(frozen=True)
class NewLot:
    """Credit to a resident account as a new lot."""

    funder: str  # lg_code
    expires_on: date
    paid: bool = False


@dataclass(frozen=True)
class Move:
    """One posting: `amount` from `debit` to `credit`. A credit to a resident account needs `lot` or `restore`."""

    debit: Account
    credit: Account
    amount: int
    lot: NewLot | None = None
    restore: tuple[tuple[int, int], ...] = ()  # (lot id, amount) put back into earlier lots (refunds)
    take: tuple[tuple[int, int], ...] = ()  # (lot id, amount) to debit explicitly (expiry); otherwise first-expiring


@dataclass(frozen=True)
class Audit:
    """The audit record of the act a journal belongs to: written in the journal's own transaction, once (a replay
    of the same key writes nothing). The journal's key is added to `data`."""

    tag: str
    actor: Actor
    subject: str
    data: dict[str, object]
    municipality: str | None = None


@dataclass
class _Plan:
    deltas: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reserve: dict[int, int] = field(default_factory=lambda: defaultdict(int))


# ---------------------------------------------------------------- accounts


def account_open(
    *,
    key: str,
    kind: AccountKind,
    unit: Unit,
    chain: str,
    municipality_id: str | None = None,
    area_id: int | None = None,
    resident_id: int | None = None,
) -> Account:
    """The account with this key, created on first use (kind and unit decide overdraft and lots)."""
    issuing = kind in {AccountKind.POINTS_ISSUANCE, AccountKind.ISSUANCE, AccountKind.CASH}
    account, _ = Account.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "unit": unit,
            "chain": chain,
            "municipality_id": municipality_id,
            "area_id": area_id,
            "resident_id": resident_id,
            "may_go_negative": issuing,
            "has_lots": kind in {AccountKind.RESIDENT_POINTS, AccountKind.RESIDENT_WALLET},
        },
    )
    return account


# ---------------------------------------------------------------- posting


def _fingerprint(kind: str, chain: str, moves: Sequence[Move], memo: dict[str, object]) -> str:
    body = [
        kind,
        chain,
        memo,
        [
            [
                m.debit.key,
                m.credit.key,
                m.amount,
                [m.lot.funder, m.lot.expires_on.isoformat(), m.lot.paid] if m.lot else None,
                list(m.restore),
                list(m.take),
            ]
            for m in moves
        ],
    ]
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _check(moves: Sequence[Move], chain: str) -> None:
    if not moves:
        raise errors.bad_journal("no postings")
    for m in moves:
        if isinstance(m.amount, bool) or not isinstance(m.amount, int) or not 0 < m.amount <= MAX_AMOUNT:
            raise errors.bad_amount()
        if m.debit.pk == m.credit.pk:
            raise errors.bad_journal("debit and credit are the same account")
        if m.debit.unit != m.credit.unit:
            raise errors.bad_journal("debit and credit are in different units")
        if m.debit.chain != chain or m.credit.chain != chain:
            raise errors.bad_journal("accounts belong to another chain")
        if m.credit.has_lots and (m.lot is None) == (not m.restore):
            raise errors.bad_journal("a credit to a resident account needs exactly one of a new lot or lots to restore")
        if not m.credit.has_lots and (m.lot is not None or m.restore):
            raise errors.bad_journal("only resident accounts hold lots")
        if m.restore and sum(a for _, a in m.restore) != m.amount:
            raise errors.bad_journal("restored lots do not add up to the amount")
        if m.take and (not m.debit.has_lots or sum(a for _, a in m.take) != m.amount):
            raise errors.bad_journal("the lots taken do not add up to the amount")


def _lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """Row locks in ascending id order (no-key locks on PostgreSQL: balances change, keys never do)."""
    rows = Account.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(account_ids))).order_by("pk")
    return {a.pk: a for a in rows}


def _existing(key: str, fingerprint: str) -> Journal | None:
    found = Journal.objects.filter(key=key).first()
    if found is not None and found.fingerprint != fingerprint:
        raise errors.idempotency_mismatch(key)
    return found


def journal_post(
    *,
    key: str,
    kind: str,
    chain: str,
    moves: Sequence[Move],
    on: date | None = None,
    pending_for: timedelta | None = None,
    memo: dict[str, object] | None = None,
    reverses: Journal | None = None,
    at: datetime | None = None,
    audit: Audit | None = None,
) -> Journal:
    """Post (or, with `pending_for`, hold) one balanced journal. Idempotent on `key`. `reverses` names the journal
    that a refund or correction undoes, in whole or in part. `at` dates a journal in the past when history is
    imported (the demo's previous month); the chain still orders journals by when they were sealed."""
    memo = memo or {}
    _check(moves, chain)
    fingerprint = _fingerprint(kind, chain, moves, {**memo, "reverses": reverses.key if reverses else None})
    found = _existing(key, fingerprint)
    if found is not None:
        return found
    try:
        return _post(
            key=key,
            kind=kind,
            chain=chain,
            moves=moves,
            on=on,
            pending_for=pending_for,
            memo=memo,
            fingerprint=fingerprint,
            reverses=reverses,
            at=at,
            audit=audit,
        )
    except IntegrityError:
        # the same key committed by another request at the same moment: answer as a replay would
        found = _existing(key, fingerprint)
        if found is None:
            raise
        return found


@transaction.atomic(durable=True)
def _post(
    *,
    key: str,
    kind: str,
    chain: str,
    moves: Sequence[Move],
    on: date | None,
    pending_for: timedelta | None,
    memo: dict[str, object],
    fingerprint: str,
    reverses: Journal | None,
    at: datetime | None,
    audit: Audit | None,
) -> Journal:
    now = at or timezone.now()
    today = on or timezone.localdate(now)
    if pending_for is not None and any(m.credit.has_lots for m in moves):
        raise errors.bad_journal("a pending journal cannot credit a resident account")
    accounts = _lock([m.debit.pk for m in moves] + [m.credit.pk for m in moves])
    plan = _Plan()
    for m in moves:
        plan.deltas[m.debit.pk] -= m.amount
        plan.deltas[m.credit.pk] += m.amount
        plan.reserve[m.debit.pk] += m.amount
    for account_id, amount in plan.reserve.items():
        account = accounts[account_id]
        if not account.may_go_negative and account.balance - account.reserved < amount:
            raise errors.insufficient(account.key)
    pending = pending_for is not None
    journal = Journal.objects.create(
        key=key,
        fingerprint=fingerprint,
        kind=kind,
        chain=chain,
        created_at=now,
        memo=memo,
        state=JournalState.PENDING if pending else JournalState.POSTED,
        pending_until=now + pending_for if pending_for is not None else None,
        reverses=reverses,
    )
    postings = Posting.objects.bulk_create(
        [
            Posting(journal=journal, debit_id=m.debit.pk, credit_id=m.credit.pk, unit=m.debit.unit, amount=m.amount)
            for m in moves
        ]
    )
    lot_moves = _apply_lots(moves, postings, accounts, today=today)
    if audit is not None:
        audit_record(
            tag=audit.tag,
            actor=audit.actor,
            subject=audit.subject,
            data={**audit.data, "journal": key},
            municipality=audit.municipality,
        )
    if pending:
        _add(plan.reserve, "reserved")
        return journal
    _add(plan.deltas, "balance")
    # The chain head is locked last and held briefly: everything above is already written.
    head = _head(chain)
    journal.seq, journal.prev_hash, journal.final_at = head.last_seq + 1, head.last_hash, now
    by_posting: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for move in lot_moves:
        by_posting[move.posting_id].append((move.lot_id, move.amount))
    links = [
        PostingLink(m.debit.key, m.credit.key, m.debit.unit, m.amount, tuple(by_posting[p.pk]))
        for m, p in zip(moves, postings, strict=True)
    ]
    _seal(journal, head, links)
    return journal


def _add(changes: dict[int, int], field: str) -> None:
    """Apply per-account changes in one UPDATE (a CASE over the accounts); a large batch with few distinct amounts
    (1,000 equal grants) uses one UPDATE per amount instead, to keep the statement small."""
    changed = {account_id: change for account_id, change in changes.items() if change}
    if not changed:
        return
    if len(changed) <= MAX_CASE_ACCOUNTS:
        by_account = Case(
            *[When(pk=pk, then=Value(change)) for pk, change in changed.items()], output_field=BigIntegerField()
        )
        Account.objects.filter(pk__in=list(changed)).update(**{field: F(field) + by_account})
        return
    by_amount: dict[int, list[int]] = defaultdict(list)
    for account_id, change in changed.items():
        by_amount[change].append(account_id)
    for change, ids in by_amount.items():
        Account.objects.filter(pk__in=ids).update(**{field: F(field) + change})


def _apply_lots(
    moves: Sequence[Move], postings: Sequence[Posting], accounts: dict[int, Account], *, today: date
) -> list[LotMove]:
    lot_moves: list[LotMove] = []
    new_lots: list[tuple[Posting, Lot]] = []
    for m, posting in zip(moves, postings, strict=True):
        for lot_id, amount in m.take:
            taken_from = Lot.objects.filter(pk=lot_id, account_id=m.debit.pk, remaining__gte=amount)
            if not taken_from.update(remaining=F("remaining") - amount):
                raise errors.insufficient(m.debit.key)
            lot_moves.append(LotMove(posting=posting, lot_id=lot_id, amount=-amount))
        if accounts[m.debit.pk].has_lots and not m.take:
            views = [
                LotView(pk, expires_on, remaining)
                for pk, expires_on, remaining in Lot.objects.filter(
                    account_id=m.debit.pk, remaining__gt=0, expires_on__gte=today
                ).values_list("pk", "expires_on", "remaining")
            ]
            try:
                taken = allocate(views, m.amount, on=today)
            except NotEnoughInLots:
                raise errors.insufficient(m.debit.key) from None
            for lot_id, amount in taken:
                Lot.objects.filter(pk=lot_id).update(remaining=F("remaining") - amount)
                lot_moves.append(LotMove(posting=posting, lot_id=lot_id, amount=-amount))
        if m.lot is not None:
            new_lots.append(
                (
                    posting,
                    Lot(
                        account_id=m.credit.pk,
                        funder_id=m.lot.funder,
                        paid=m.lot.paid,
                        expires_on=m.lot.expires_on,
                        amount=m.amount,
                        remaining=m.amount,
                        created_by=posting,
                    ),
                )
            )
        for lot_id, amount in m.restore:
            restored = Lot.objects.filter(pk=lot_id, account_id=m.credit.pk, remaining__lte=F("amount") - amount)
            if not restored.update(remaining=F("remaining") + amount):
                raise errors.bad_journal("a lot cannot take back more than was spent from it")
            lot_moves.append(LotMove(posting=posting, lot_id=lot_id, amount=amount))
    created = Lot.objects.bulk_create([lot for _, lot in new_lots])
    lot_moves += [
        LotMove(posting=posting, lot_id=lot.pk, amount=lot.amount)
        for (posting, _), lot in zip(new_lots, created, strict=True)
    ]
    # inserted in this order, so each posting's moves keep the order (by id) in which the chain hashes them
    return LotMove.objects.bulk_create(lot_moves)


def _head(chain: str) -> ChainHead:
    """The chain's head, locked: always after the accounts, so the lock order is the same everywhere."""
    head, _ = ChainHead.objects.select_for_update().get_or_create(key=chain)
    return head


def _seal(journal: Journal, head: ChainHead, links: list[PostingLink] | None = None) -> None:
    """Hash the final journal (with its postings and lot moves) and move the head to it."""
    if links is None:
        links = posting_links([journal.pk])[journal.pk]
    journal.hash = journal_link(journal, links).digest()
    Journal.objects.filter(pk=journal.pk).update(
        seq=journal.seq,
        prev_hash=journal.prev_hash,
        final_at=journal.final_at,
        hash=journal.hash,
        state=journal.state,
        pending_until=journal.pending_until,
    )
    ChainHead.objects.filter(pk=head.pk).update(last_seq=journal.seq, last_hash=journal.hash)


def _finalise(journal: Journal, state: JournalState, now: datetime) -> None:
    head = _head(journal.chain)
    journal.state = state
    journal.seq = head.last_seq + 1
    journal.prev_hash = head.last_hash
    journal.final_at = now
    _seal(journal, head)


# ---------------------------------------------------------------- two-phase


def _pending(key: str) -> tuple[Journal, list[Posting], dict[int, Account]]:
    postings = list(Posting.objects.filter(journal__key=key).order_by("pk"))
    if not postings:
        raise NotFound("ledger.journal_not_found", ja="取引が見つかりません。", en="No such transaction.")
    accounts = _lock([p.debit_id for p in postings] + [p.credit_id for p in postings])
    journal = Journal.objects.select_for_update().get(key=key)
    if journal.state != JournalState.PENDING:
        raise errors.not_pending(key, journal.state)
    return journal, postings, accounts


@transaction.atomic(durable=True)
def journal_commit(*, key: str) -> Journal:
    """Post a pending journal: reserved value leaves the debit accounts and reaches the credit accounts."""
    journal, postings, _ = _pending(key)
    now = timezone.now()
    if journal.pending_until is not None and journal.pending_until <= now:
        raise errors.pending_expired(key)
    for p in postings:
        Account.objects.filter(pk=p.debit_id).update(balance=F("balance") - p.amount, reserved=F("reserved") - p.amount)
        Account.objects.filter(pk=p.credit_id).update(balance=F("balance") + p.amount)
    _finalise(journal, JournalState.POSTED, now)
    return journal


@transaction.atomic(durable=True)
def journal_void(*, key: str) -> Journal:
    """Cancel a pending journal: the reservation ends and the lots it used are restored."""
    journal, postings, _ = _pending(key)
    _void(journal, postings)
    return journal


def _void(journal: Journal, postings: Sequence[Posting]) -> None:
    for p in postings:
        Account.objects.filter(pk=p.debit_id).update(reserved=F("reserved") - p.amount)
    restores = [
        LotMove(posting_id=m.posting_id, lot_id=m.lot_id, amount=-m.amount)
        for m in LotMove.objects.filter(posting__in=postings, amount__lt=0)
    ]
    for m in restores:
        Lot.objects.filter(pk=m.lot_id).update(remaining=F("remaining") + m.amount)
    LotMove.objects.bulk_create(restores)
    _finalise(journal, JournalState.VOIDED, timezone.now())


def journal_void_expired(*, now: datetime | None = None) -> int:
    """Void every pending journal past its time-out (run every minute); returns how many."""
    now = now or timezone.now()
    count = 0
    for key in Journal.objects.filter(state=JournalState.PENDING, pending_until__lte=now).values_list("key", flat=True):
        try:
            journal_void(key=key)
            count += 1
        except Conflict as error:  # committed or voided by someone else meanwhile: nothing left to do
            if error.code != "ledger.not_pending":
                raise
    return count


# ---------------------------------------------------------------- refunds and expiry


def refund_moves(*, original: Journal, amount: int) -> list[tuple[Posting, tuple[tuple[int, int], ...]]]:
    """For each posting of `original` that spent from a resident account, the lots to put `amount` back into:
    the latest-expiring lots first (the kindest order for the resident), never more than each gave net of earlier
    refunds of the same journal."""
    restored: dict[int, int] = defaultdict(int)
    for lot_id, amount_back in LotMove.objects.filter(posting__journal__reverses=original, amount__gt=0).values_list(
        "lot_id", "amount"
    ):
        restored[lot_id] += amount_back
    out: list[tuple[Posting, tuple[tuple[int, int], ...]]] = []
    left = amount
    for posting in original.postings.order_by("pk"):
        taken = [
            (m.lot_id, -m.amount, m.lot.expires_on)
            for m in posting.lot_moves.select_related("lot").filter(amount__lt=0)
        ]
        restore: list[tuple[int, int]] = []
        for lot_id, spent, _ in sorted(taken, key=lambda t: (t[2], t[0]), reverse=True):
            give = min(spent - restored[lot_id], left)
            if give > 0:
                restore.append((lot_id, give))
                restored[lot_id] += give
                left -= give
        if restore:
            out.append((posting, tuple(restore)))
    if left:
        raise errors.bad_journal("the refund is larger than what was spent")
    return out


def ledger_expire(*, on: date, at: datetime | None = None) -> list[Journal]:
    """Return every lot that expired before `on` to its funder: one journal per resident account, keyed by the date,
    so running the same day again changes nothing."""
    journals: list[Journal] = []
    account_ids = (
        Lot.objects.filter(expires_on__lt=on, remaining__gt=0)
        .values_list("account_id", flat=True)
        .distinct()
        .order_by("account_id")
    )
    for account in Account.objects.filter(pk__in=list(account_ids)).order_by("pk"):
        lots = list(Lot.objects.filter(account=account, expires_on__lt=on, remaining__gt=0).order_by("pk"))
        by_funder: dict[str, list[Lot]] = defaultdict(list)
        for lot in lots:
            by_funder[lot.funder_id].append(lot)
        moves = [
            Move(
                debit=account,
                credit=expiry_account(funder=funder, unit=Unit(account.unit), chain=account.chain),
                amount=sum(lot.remaining for lot in funded),
                take=tuple((lot.pk, lot.remaining) for lot in funded),
            )
            for funder, funded in sorted(by_funder.items())
        ]
        journals.append(
            journal_post(
                key=f"expire:{on.isoformat()}:{account.key}",
                kind="expire",
                chain=account.chain,
                moves=moves,
                on=on,
                at=at,
                memo={"on": on.isoformat()},
            )
        )
    return journals


def expiry_account(*, funder: str, unit: Unit, chain: str) -> Account:
    return account_open(
        key=f"x:{chain}:{funder}:{unit}", kind=AccountKind.EXPIRY, unit=unit, chain=chain, municipality_id=funder
    )
