"""Writes to the ledger. Other apps move value only through these functions.

Every public function owns its transaction. Accounts are locked in ascending id order, then the chain head, so two
journals touching the same accounts queue instead of deadlocking. A journal's key makes it idempotent: the same key
with the same request returns the first journal; with a different request it is refused (409).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, NotFound
from hiroba.ledger import errors, rows
from hiroba.ledger.chain import JournalLink, PostingLink
from hiroba.ledger.lots import LotView, NotEnoughInLots, allocate
from hiroba.ledger.models import Account, AccountKind, Journal, JournalState, Lot, LotMove, Posting, Unit
from hiroba.ledger.selectors import posting_links

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


@dataclass(frozen=True)
class AccountSpec:
    """What an account is; its kind and unit decide whether it may go negative and whether it holds lots."""

    key: str
    kind: AccountKind
    unit: Unit
    chain: str
    municipality_id: str | None = None
    area_id: int | None = None
    resident_id: int | None = None

    def defaults(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "chain": self.chain,
            "municipality_id": self.municipality_id,
            "area_id": self.area_id,
            "resident_id": self.resident_id,
            "may_go_negative": self.kind in {AccountKind.POINTS_ISSUANCE, AccountKind.ISSUANCE, AccountKind.CASH},
            "has_lots": self.kind in {AccountKind.RESIDENT_POINTS, AccountKind.RESIDENT_WALLET},
        }


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
    """The account with this key, created on first use."""
    spec = AccountSpec(key, kind, unit, chain, municipality_id, area_id, resident_id)
    return accounts_open([spec])[key]


def accounts_open(specs: Sequence[AccountSpec], *, chunk: int = 5000) -> dict[str, Account]:
    """Accounts by key, creating the missing ones in bulk: the two of a payment in one query, the thousands of an
    award batch in a few."""
    wanted = {spec.key: spec for spec in specs}
    keys = list(wanted)
    found: dict[str, Account] = {}
    for first in range(0, len(keys), chunk):
        found |= rows.accounts_by_key(keys[first : first + chunk])
    missing = [spec for key, spec in wanted.items() if key not in found]
    for first in range(0, len(missing), chunk):
        part = missing[first : first + chunk]
        # ignore_conflicts: another run may open the same account at the same moment; it is read back below
        Account.objects.bulk_create([Account(key=s.key, **s.defaults()) for s in part], ignore_conflicts=True)
        found |= rows.accounts_by_key([s.key for s in part])
    return found


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
    inside: Callable[[Journal], None] | None = None,
) -> Journal:
    """Post (or, with `pending_for`, hold) one balanced journal. Idempotent on `key`. `reverses` names the journal
    that a refund or correction undoes, in whole or in part. `at` dates a journal in the past when history is
    imported (the demo's previous month); the chain still orders journals by when they were sealed. `inside` runs
    in the journal's own transaction, once (not on a replay), so that another app's record of what the journal
    was for (health's award rows) commits with it or not at all."""
    memo = memo or {}
    _check(moves, chain)
    fingerprint = _fingerprint(kind, chain, moves, {**memo, "reverses": reverses.key if reverses else None})
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
            inside=inside,
        )
    except IntegrityError:
        # The key is taken: a replay, or the same request committed by another worker a moment ago (its insert
        # waited for that one). Answer as the first request was answered; a different request is refused.
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
    inside: Callable[[Journal], None] | None,
) -> Journal:
    now = at or timezone.now()
    today = on or timezone.localdate(now)
    pending = pending_for is not None
    if pending and any(m.credit.has_lots for m in moves):
        raise errors.bad_journal("a pending journal cannot credit a resident account")
    journal = Journal(
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
    # The journal row first: a replayed key fails on its unique index before any account is locked.
    journal.pk = rows.journal_insert(
        key=key,
        fingerprint=fingerprint,
        kind=kind,
        chain=chain,
        state=journal.state,
        created_at=now,
        pending_until=journal.pending_until,
        memo=memo,
        reverses_id=reverses.pk if reverses else None,
    )
    # The postings need no lock (their foreign keys' share locks do not conflict with balance locks): written before
    # the accounts are locked, they keep a busy shop's account locked for one statement less.
    posting_ids = rows.postings_insert(journal.pk, [(m.debit.pk, m.credit.pk, m.debit.unit, m.amount) for m in moves])
    accounts = rows.accounts_lock([m.debit.pk for m in moves] + [m.credit.pk for m in moves])
    plan = _Plan()
    for m in moves:
        plan.deltas[m.debit.pk] -= m.amount
        plan.deltas[m.credit.pk] += m.amount
        plan.reserve[m.debit.pk] += m.amount
    for account_id, amount in plan.reserve.items():
        account = accounts[account_id]
        if not account.may_go_negative and account.balance - account.reserved < amount:
            raise errors.insufficient(next(m.debit.key for m in moves if m.debit.pk == account_id))
    lots_by_posting = _apply_lots(moves, posting_ids, accounts, today=today)
    if pending:
        rows.accounts_add(plan.reserve, "reserved")
    else:
        rows.accounts_add(plan.deltas, "balance")
        journal.final_at = now
        links = [
            PostingLink(m.debit.key, m.credit.key, m.debit.unit, m.amount, tuple(lots))
            for m, lots in zip(moves, lots_by_posting, strict=True)
        ]
        _seal(journal, links)
    if inside is not None:
        inside(journal)
    if audit is not None:  # last: the municipality's audit chain is locked only from here to the commit
        audit_record(
            tag=audit.tag,
            actor=audit.actor,
            subject=audit.subject,
            data={**audit.data, "journal": key},
            municipality=audit.municipality,
        )
    return journal


def _apply_lots(
    moves: Sequence[Move], posting_ids: Sequence[int], accounts: dict[int, rows.Locked], *, today: date
) -> list[list[tuple[int, int]]]:
    """Take from, create and restore lots for each posting; returns each posting's (lot id, signed amount) moves in
    the order the chain hashes them: the lot moves as written, then the lots the posting created (a created lot is
    not written as a move: the lot row itself says who created it and with how much)."""
    spending = sorted({m.debit.pk for m in moves if accounts[m.debit.pk].has_lots and not m.take})
    usable = (
        {account_id: [LotView(*lot) for lot in lots] for account_id, lots in rows.lots_usable(spending, today).items()}
        if spending
        else {}
    )
    per_posting: list[list[tuple[int, int]]] = [[] for _ in moves]
    allocated: list[tuple[int, int]] = []
    new_lots: list[tuple[int, tuple[int, str, bool, date, int, int]]] = []
    for index, (m, posting_id) in enumerate(zip(moves, posting_ids, strict=True)):
        for lot_id, amount in m.take:
            if not rows.lot_take(lot_id, m.debit.pk, amount):
                raise errors.insufficient(m.debit.key)
            per_posting[index].append((lot_id, -amount))
        if m.debit.pk in usable:
            try:
                taken = allocate(usable[m.debit.pk], m.amount, on=today)
            except NotEnoughInLots:
                raise errors.insufficient(m.debit.key) from None
            spent = dict(taken)  # a later posting of the same journal sees what this one left
            usable[m.debit.pk] = [
                LotView(lot.id, lot.expires_on, lot.remaining - spent.get(lot.id, 0)) for lot in usable[m.debit.pk]
            ]
            allocated += taken
            per_posting[index] += [(lot_id, -amount) for lot_id, amount in taken]
        if m.lot is not None:
            lot = m.lot
            new_lots.append((index, (m.credit.pk, lot.funder, lot.paid, lot.expires_on, m.amount, posting_id)))
        for lot_id, amount in m.restore:
            if not rows.lot_restore(lot_id, m.credit.pk, amount):
                raise errors.bad_journal("a lot cannot take back more than was spent from it")
            per_posting[index].append((lot_id, amount))
    rows.lots_take_allocated(allocated)
    rows.lot_moves_insert(
        [
            (posting_id, lot_id, amount)
            for posting_id, lots in zip(posting_ids, per_posting, strict=True)
            for lot_id, amount in lots
        ]
    )
    if new_lots:  # a new lot is its own record of the credit (amount, created_by): it needs no lot move
        created = rows.lots_insert([row for _, row in new_lots])
        for (index, row), lot_id in zip(new_lots, created, strict=True):
            per_posting[index].append((lot_id, row[4]))
    return per_posting


def _seal(journal: Journal, links: list[PostingLink] | None = None) -> None:
    """Hash the final journal (with its postings and lot moves) into its chain: the chain head is locked by this
    one statement and held until the commit, after every other write of the journal is done."""
    if links is None:
        links = posting_links([journal.pk])[journal.pk]
    assert journal.final_at is not None  # noqa: S101 (set by every caller)
    body = JournalLink(
        chain=journal.chain,
        seq=0,
        prev_hash="",
        key=journal.key,
        kind=journal.kind,
        state=journal.state,
        final_at=journal.final_at.astimezone(UTC).isoformat(timespec="microseconds"),
        postings=links,
    ).body_digest()
    journal.seq, journal.prev_hash, journal.hash = rows.chain_seal(
        chain=journal.chain,
        journal_id=journal.pk,
        body_digest=body,
        state=journal.state,
        final_at=journal.final_at,
        pending_until=journal.pending_until,
    )


def _finalise(journal: Journal, state: JournalState, now: datetime) -> None:
    journal.state = state
    journal.final_at = now
    _seal(journal)


# ---------------------------------------------------------------- two-phase


def _pending(key: str) -> tuple[Journal, list[Posting]]:
    postings = list(Posting.objects.filter(journal__key=key).order_by("pk"))
    if not postings:
        raise NotFound("ledger.journal_not_found", ja="取引が見つかりません。", en="No such transaction.")
    rows.accounts_lock([p.debit_id for p in postings] + [p.credit_id for p in postings])
    journal = Journal.objects.select_for_update().get(key=key)
    if journal.state != JournalState.PENDING:
        raise errors.not_pending(key, journal.state)
    return journal, postings


@transaction.atomic(durable=True)
def journal_commit(*, key: str) -> Journal:
    """Post a pending journal: reserved value leaves the debit accounts and reaches the credit accounts."""
    journal, postings = _pending(key)
    now = timezone.now()
    if journal.pending_until is not None and journal.pending_until <= now:
        raise errors.pending_expired(key)
    balance: dict[int, int] = defaultdict(int)
    reserved: dict[int, int] = defaultdict(int)
    for p in postings:
        balance[p.debit_id] -= p.amount
        reserved[p.debit_id] -= p.amount
        balance[p.credit_id] += p.amount
    rows.accounts_add(reserved, "reserved")  # first, so that no statement sees balance below reserved
    rows.accounts_add(balance, "balance")
    _finalise(journal, JournalState.POSTED, now)
    return journal


@transaction.atomic(durable=True)
def journal_void(*, key: str) -> Journal:
    """Cancel a pending journal: the reservation ends and the lots it used are restored."""
    journal, postings = _pending(key)
    _void(journal, postings)
    return journal


def _void(journal: Journal, postings: Sequence[Posting]) -> None:
    reserved: dict[int, int] = defaultdict(int)
    for p in postings:
        reserved[p.debit_id] -= p.amount
    rows.accounts_add(reserved, "reserved")
    restores = [(m.posting_id, m.lot_id, -m.amount) for m in LotMove.objects.filter(posting__in=postings, amount__lt=0)]
    rows.lots_take_allocated([(lot_id, -amount) for _, lot_id, amount in restores])
    rows.lot_moves_insert(restores)
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
