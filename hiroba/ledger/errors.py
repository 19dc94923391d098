"""Refusals of the ledger, each with a stable code and both languages."""

from __future__ import annotations

from hiroba.core.errors import Conflict, Invalid


def insufficient(account: str) -> Conflict:
    return Conflict(
        "ledger.insufficient_funds", ja="残高が足りません。", en="Not enough balance.", detail={"account": account}
    )


def idempotency_mismatch(key: str) -> Conflict:
    return Conflict(
        "ledger.idempotency_mismatch",
        ja="同じ識別キーで別の内容が送られました。",
        en="This idempotency key was already used for a different request.",
        detail={"key": key},
    )


def bad_amount() -> Invalid:
    return Invalid(
        "ledger.amount", ja="金額は1以上の整数で指定してください。", en="Amounts must be whole numbers of 1 or more."
    )


def bad_journal(reason: str) -> Invalid:
    return Invalid(
        "ledger.journal",
        ja="取引の内容が正しくありません。",
        en=f"The journal is not valid: {reason}.",
        detail={"reason": reason},
    )


def not_pending(key: str, state: str) -> Conflict:
    return Conflict(
        "ledger.not_pending",
        ja="この取引は確定済みか取り消し済みです。",
        en="This transaction is no longer pending.",
        detail={"key": key, "state": state},
    )


def pending_expired(key: str) -> Conflict:
    return Conflict(
        "ledger.pending_expired",
        ja="この取引は有効期限が切れました。",
        en="This pending transaction has timed out.",
        detail={"key": key},
    )
