"""The posting path's statements, written as SQL that SQLite and PostgreSQL both run.

`journal_post` is the ledger's hot path: a payment is a dozen statements and an award batch writes thousands of
rows. Through the ORM, composing those statements cost more than running them (measured in bench/ledger.py), so
the services issue them here instead: one multi-row statement per table, `UPDATE ... FROM (VALUES ...)` for
per-row changes, and one `UPDATE ... RETURNING` that both moves a chain head and computes the new link's hash.
Only `hiroba.ledger.services` calls these; they check nothing that the services and the database constraints do
not already check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection

from hiroba.core.bulk import chunks, columns_of, id_list, insert_rows, instance_from, link_hash_sql, rows_source
from hiroba.ledger.chain import GENESIS
from hiroba.ledger.models import Account


@dataclass(frozen=True, slots=True)
class Locked:
    """An account's row as read under its lock."""

    id: int
    balance: int
    reserved: int
    may_go_negative: bool
    has_lots: bool


def _add_by_id(table: str, column: str, changes: Iterable[tuple[int, int]]) -> None:
    """`column += change` for each (id, change), one statement per chunk."""
    rows = [(pk, change) for pk, change in changes if change]
    with connection.cursor() as cursor:
        for chunk in chunks(rows):
            source, params = rows_source(["bigint", "bigint"], chunk)
            cursor.execute(
                f"UPDATE {table} SET {column} = {column} + v.column2 FROM {source} "  # noqa: S608
                f"WHERE {table}.id = v.column1",
                params,
            )


def _dt(value: datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


# ---------------------------------------------------------------- statements


def journal_insert(
    *,
    key: str,
    fingerprint: str,
    kind: str,
    chain: str,
    state: str,
    created_at: datetime,
    pending_until: datetime | None,
    memo: dict[str, object],
    reverses_id: int | None,
) -> int:
    """The journal row, unsealed. A key already taken fails here (unique), before any account is locked."""
    memo_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journal (key, fingerprint, kind, chain, state, created_at, pending_until, prev_hash, "  # noqa: S608
            f"hash, memo, reverses_id) VALUES (%s, %s, %s, %s, %s, %s, %s, '', '', {memo_param}, %s) RETURNING id",
            [
                key,
                fingerprint,
                kind,
                chain,
                state,
                _dt(created_at),
                _dt(pending_until),
                json.dumps(memo, sort_keys=True),
                reverses_id,
            ],
        )
        (journal_id,) = cursor.fetchone()
    return int(journal_id)


def accounts_by_key(keys: Sequence[str]) -> dict[str, Account]:
    """The accounts with these keys (those that exist), by key."""
    among, params = id_list(keys, "text")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns_of(Account, 'a')} FROM ledger_account a WHERE a.key {among}", params)  # noqa: S608
        return {account.key: account for account in (instance_from(Account, row) for row in cursor.fetchall())}


def accounts_lock(account_ids: Iterable[int]) -> dict[int, Locked]:
    """Row locks in ascending id order (no-key locks on PostgreSQL: balances change, keys never do; SQLite locks
    the whole database for the transaction's first write instead)."""
    ids = sorted(set(account_ids))
    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    among, params = id_list(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, balance, reserved, may_go_negative, has_lots FROM ledger_account WHERE id {among} "  # noqa: S608
            f"ORDER BY id{lock}",
            params,
        )
        return {row[0]: Locked(row[0], row[1], row[2], bool(row[3]), bool(row[4])) for row in cursor.fetchall()}


def accounts_add(changes: dict[int, int], column: str) -> None:
    """Apply per-account changes to `balance` or `reserved`."""
    if column not in {"balance", "reserved"}:
        raise ValueError(column)
    _add_by_id("ledger_account", column, sorted(changes.items()))


def postings_insert(journal_id: int, rows: Sequence[tuple[int, int, str, int]]) -> list[int]:
    """(debit id, credit id, unit, amount) rows; their ids in the same order."""
    return insert_rows(
        "ledger_posting",
        [
            ("journal_id", "bigint"),
            ("debit_id", "bigint"),
            ("credit_id", "bigint"),
            ("unit", "text"),
            ("amount", "bigint"),
        ],
        [(journal_id, *row) for row in rows],
    )


def lots_usable(account_ids: Sequence[int], on: date) -> dict[int, list[tuple[int, date, int]]]:
    """Per account, its lots with value left that are still good on `on`: (lot id, expires on, remaining)."""
    among, params = id_list(account_ids)
    found: dict[int, list[tuple[int, date, int]]] = {pk: [] for pk in account_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_id, id, expires_on, remaining FROM ledger_lot "  # noqa: S608
            f"WHERE account_id {among} AND remaining > 0 AND expires_on >= %s",
            [*params, connection.ops.adapt_datefield_value(on)],
        )
        for account_id, lot_id, expires_on, remaining in cursor.fetchall():
            day = expires_on if isinstance(expires_on, date) else date.fromisoformat(expires_on)
            found[account_id].append((lot_id, day, remaining))
    return found


def lots_take_allocated(taken: Iterable[tuple[int, int]]) -> None:
    """Subtract (lot id, amount) pairs chosen from `lots_usable` under the same account locks."""
    _add_by_id("ledger_lot", "remaining", [(lot_id, -amount) for lot_id, amount in taken])


def lot_take(lot_id: int, account_id: int, amount: int) -> bool:
    """Subtract from a lot named by the caller (expiry); False when it is not that account's or holds too little."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_lot SET remaining = remaining - %s WHERE id = %s AND account_id = %s AND remaining >= %s",
            [amount, lot_id, account_id, amount],
        )
        return bool(cursor.rowcount == 1)


def lot_restore(lot_id: int, account_id: int, amount: int) -> bool:
    """Put value back into a lot (refunds, voids); False when it would hold more than it was created with."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_lot SET remaining = remaining + %s WHERE id = %s AND account_id = %s "
            "AND remaining + %s <= amount",
            [amount, lot_id, account_id, amount],
        )
        return bool(cursor.rowcount == 1)


def lots_insert(rows: Sequence[tuple[int, str, bool, date, int, int]]) -> list[int]:
    """(account id, funder lg_code, paid, expires on, amount, created-by posting id) rows: new lots, full."""
    return insert_rows(
        "ledger_lot",
        [
            ("account_id", "bigint"),
            ("funder_id", "text"),
            ("paid", "boolean"),
            ("expires_on", "date"),
            ("amount", "bigint"),
            ("remaining", "bigint"),
            ("created_by_id", "bigint"),
        ],
        [
            (account, funder, paid, connection.ops.adapt_datefield_value(expires), amount, amount, posting)
            for account, funder, paid, expires, amount, posting in rows
        ],
    )


def lot_moves_insert(rows: Sequence[tuple[int, int, int]]) -> None:
    """(posting id, lot id, signed amount) rows."""
    if rows:
        insert_rows("ledger_lotmove", [("posting_id", "bigint"), ("lot_id", "bigint"), ("amount", "bigint")], rows)


def chain_seal(
    *,
    chain: str,
    journal_id: int,
    body_digest: str,
    state: str,
    final_at: datetime,
    pending_until: datetime | None,
) -> tuple[int, str, str]:
    """Give the journal the next place in its chain: (seq, previous hash, hash). The head row is locked by the UPDATE
    that also computes the hash, and stays locked only to the commit. On PostgreSQL the journal's own UPDATE rides in
    the same statement; SQLite, which has no data-modifying WITH, runs it next."""
    link = link_hash_sql("last_hash", "(last_seq + 1)", "%s")
    move_head = (
        f"UPDATE ledger_chainhead SET prev_hash = last_hash, last_seq = last_seq + 1, last_hash = {link} "  # noqa: S608
        "WHERE key = %s RETURNING last_seq, prev_hash, last_hash"
    )
    seal = (
        "UPDATE ledger_journal SET seq = {seq}, prev_hash = {prev}, hash = {hash}, state = %s, final_at = %s, "
        "pending_until = %s"
    )
    finals = [state, _dt(final_at), _dt(pending_until), journal_id]
    with connection.cursor() as cursor:

        def move() -> tuple[int, str, str] | None:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"WITH head AS ({move_head}) "
                    + seal.format(seq="head.last_seq", prev="head.prev_hash", hash="head.last_hash")
                    + " FROM head WHERE ledger_journal.id = %s RETURNING seq, ledger_journal.prev_hash, hash",
                    [body_digest, chain, *finals],
                )
                moved = cursor.fetchone()
            else:
                cursor.execute(move_head, [body_digest, chain])
                moved = cursor.fetchone()
                if moved is not None:
                    cursor.execute(seal.format(seq="%s", prev="%s", hash="%s") + " WHERE id = %s", [*moved, *finals])
            return None if moved is None else (int(moved[0]), str(moved[1]), str(moved[2]))

        moved = move()
        if moved is None:  # the chain's first journal
            cursor.execute(
                "INSERT INTO ledger_chainhead (key, last_seq, last_hash, prev_hash) VALUES (%s, 0, %s, %s) "
                "ON CONFLICT (key) DO NOTHING",
                [chain, GENESIS, GENESIS],
            )
            moved = move()
    if moved is None:
        raise RuntimeError(f"chain {chain}: the head could not be moved")
    return moved
