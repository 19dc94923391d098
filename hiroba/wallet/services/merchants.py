"""Merchants: application with a checked bank account, staff approval and suspension."""

from __future__ import annotations

import re

from django.db import transaction

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from hiroba.core.validators import ensure_no_individual_number
from hiroba.tenancy.models import Municipality, Role
from hiroba.tenancy.selectors import actor_scope
from hiroba.wallet.formats import banks, zengin
from hiroba.wallet.models import Merchant, MerchantStatus

ACCOUNT_NUMBER = re.compile(r"[0-9]{1,7}")
ASCII_NAME = re.compile(r"[A-Za-z0-9 .,&'\-]{1,25}")


def _invalid(field: str, ja: str, en: str) -> Invalid:
    return Invalid(f"wallet.merchant_{field}", ja=ja, en=en, detail={"field": field})


@transaction.atomic(durable=True)
def merchant_apply(
    *,
    municipality: Municipality,
    name: str,
    name_roman: str,
    address: str,
    mcc: str,
    bank_code: str,
    branch_code: str,
    account_type: int,
    account_number: str,
    holder_name: str,
    actor: Actor,
) -> Merchant:
    """A shop applies; its bank and branch must exist in the Zengin master and the holder name becomes half-width
    katakana as the bank holds it. The shop must be in a town of a currency area."""
    if municipality.currency_area_id is None:
        raise _invalid(
            "municipality",
            "この市区町村は地域通貨圏に参加していません。",
            "This municipality is not part of a currency area.",
        )
    for field, value in (("name", name), ("address", address)):
        ensure_no_individual_number(value, field=field)
        if not value.strip():
            raise _invalid(field, "入力してください。", "This field is required.")
    if not ASCII_NAME.fullmatch(name_roman):
        raise _invalid(
            "name_roman",
            "ローマ字の店名は英数字25文字までです。",
            "The romanised name takes up to 25 letters and digits.",
        )
    if not (len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):  # noqa: PLR2004 (MCC is 4 digits)
        raise _invalid("mcc", "業種コードは数字4桁です。", "The industry code has 4 digits.")
    try:
        branch = banks.lookup(bank_code, branch_code)
    except banks.UnknownBank as error:
        raise Invalid(
            error.code,
            ja="金融機関コードまたは支店コードが見つかりません。",
            en="The bank or branch code is unknown.",
            detail={"bank": bank_code, "branch": branch_code},
        ) from None
    if account_type not in (1, 2, 4) or not ACCOUNT_NUMBER.fullmatch(account_number):
        raise _invalid("account", "口座種別・口座番号を確認してください。", "Check the account type and number.")
    try:
        holder = banks.normalise_holder_name(holder_name)
    except zengin.ZenginError:
        raise _invalid(
            "holder",
            "口座名義はカタカナ・英数字で入力してください。",
            "Enter the account holder in katakana, letters or digits.",
        ) from None
    merchant = Merchant.objects.create(
        area_id=municipality.currency_area_id,
        municipality=municipality,
        name=name.strip(),
        name_roman=name_roman,
        address=address.strip(),
        mcc=mcc,
        bank_code=branch.bank_code,
        branch_code=branch.branch_code,
        account_type=account_type,
        account_number=account_number.zfill(7),
        holder_kana=holder,
    )
    audit_record(
        tag="wallet:merchant:applied",
        actor=actor,
        subject=f"merchant:{merchant.pk}",
        data={"bank": branch.bank_code, "branch": branch.branch_code},
        municipality=municipality.lg_code,
    )
    return merchant


def _for_staff(merchant_id: str, actor: Actor) -> Merchant:
    merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound("wallet.merchant_not_found", ja="加盟店が見つかりません。", en="No such merchant.")
    scope = actor_scope(actor)
    if not scope.has(Role.FINANCE, merchant.municipality_id) and not scope.has(Role.ADMIN, merchant.municipality_id):
        raise PermissionDenied(
            "tenancy.forbidden", ja="この操作の権限がありません。", en="You may not do this for that municipality."
        )
    return merchant


def _set_status(merchant_id: str, *, to: MerchantStatus, allowed_from: set[str], actor: Actor, reason: str) -> Merchant:
    merchant = _for_staff(merchant_id, actor)
    if merchant.status not in allowed_from:
        raise Conflict(
            "wallet.merchant_status",
            ja="この加盟店の状態では実行できません。",
            en=f"Not possible while the merchant is {merchant.status}.",
            detail={"status": merchant.status},
        )
    merchant.status = to
    merchant.save(update_fields=["status"])
    audit_record(
        tag=f"wallet:merchant:{to}",
        actor=actor,
        subject=f"merchant:{merchant.pk}",
        data={"reason": reason},
        municipality=merchant.municipality_id,
    )
    return merchant


@transaction.atomic(durable=True)
def merchant_approve(*, merchant_id: str, actor: Actor) -> Merchant:
    return _set_status(
        merchant_id,
        to=MerchantStatus.APPROVED,
        allowed_from={MerchantStatus.APPLIED, MerchantStatus.SUSPENDED},
        actor=actor,
        reason="",
    )


@transaction.atomic(durable=True)
def merchant_suspend(*, merchant_id: str, reason: str, actor: Actor) -> Merchant:
    if not reason.strip():
        raise _invalid("reason", "理由を入力してください。", "Please give a reason.")
    return _set_status(
        merchant_id,
        to=MerchantStatus.SUSPENDED,
        allowed_from={MerchantStatus.APPROVED},
        actor=actor,
        reason=reason.strip(),
    )
