"""Merchants' bank accounts checked against the Zengin bank and branch master (`zengin-code`).

The master names banks and branches in kanji and in full-width katakana; `BankBranch` carries the
katakana converted to the half-width form a transfer record needs. The data is loaded on first use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from hiroba.wallet.formats.zengin import ZenginError, to_halfwidth_kana

__all__ = ["HOLDER_NAME_LENGTH", "BankBranch", "UnknownBank", "lookup", "normalise_holder_name"]

HOLDER_NAME_LENGTH = 30  # 受取人名 C30
_BANK_CODE = re.compile(r"[0-9]{4}")
_BRANCH_CODE = re.compile(r"[0-9]{3}")
_SPACES = re.compile(r" +")


@dataclass(frozen=True)
class BankBranch:
    """A bank branch as the Zengin master knows it."""

    bank_code: str
    bank_name: str  # e.g. みずほ (the master leaves out 銀行)
    bank_kana: str  # half-width, e.g. ﾐｽﾞﾎ
    branch_code: str
    branch_name: str
    branch_kana: str  # half-width


class UnknownBank(LookupError):
    """The code is well-formed but not in the master: ``wallet.unknown_bank`` or ``wallet.unknown_branch``."""

    code = "wallet.unknown_bank"

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@functools.cache
def _banks() -> dict[str, Any]:
    import zengin_code  # type: ignore[import-untyped]  # loads the whole master (about 0.2 s) on import

    banks: dict[str, Any] = dict(zengin_code.Bank.all)
    return banks


def lookup(bank_code: str, branch_code: str) -> BankBranch:
    """The branch `branch_code` (3 digits) of bank `bank_code` (4 digits), or `UnknownBank`."""
    if not (isinstance(bank_code, str) and _BANK_CODE.fullmatch(bank_code)):
        raise ZenginError("zengin.field", f"a bank code is 4 ASCII digits, got {bank_code!r}", field="bank_code")
    if not (isinstance(branch_code, str) and _BRANCH_CODE.fullmatch(branch_code)):
        raise ZenginError("zengin.field", f"a branch code is 3 ASCII digits, got {branch_code!r}", field="branch_code")
    bank = _banks().get(bank_code)
    if bank is None:
        raise UnknownBank("wallet.unknown_bank", f"no bank {bank_code} in the Zengin master")
    branch = bank.branches.get(branch_code)
    if branch is None:
        raise UnknownBank("wallet.unknown_branch", f"bank {bank_code} has no branch {branch_code}")
    return BankBranch(
        bank_code=bank_code,
        bank_name=str(bank.name),
        bank_kana=to_halfwidth_kana(str(bank.kana)),
        branch_code=branch_code,
        branch_name=str(branch.name),
        branch_kana=to_halfwidth_kana(str(branch.kana)),
    )


def normalise_holder_name(name: str) -> str:
    """An account holder's name as 受取人名: half-width Zengin characters, single spaces, at most 30.

    Kana in any width, full-width letters and digits convert; kanji do not (``zengin.not_katakana``):
    the holder's name must be entered in kana as the bank has it.
    """
    converted = _SPACES.sub(" ", to_halfwidth_kana(name)).strip(" ")
    if not converted:
        raise ZenginError("zengin.field", "the account holder's name is empty", field="holder_name")
    if len(converted) > HOLDER_NAME_LENGTH:
        raise ZenginError(
            "zengin.field",
            f"{len(converted)} characters is over the {HOLDER_NAME_LENGTH} a transfer record holds",
            field="holder_name",
        )
    return converted
