"""Refusals of the tenancy app, each with a stable code and a Japanese and English message."""

from __future__ import annotations

from hiroba.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from hiroba.tenancy.lgcode import LgCodeError

_LG_CODE_MESSAGES = {
    "format": (
        "地方公共団体コードは半角数字6桁で入力してください。",
        "A local government code is six digits.",
    ),
    "prefecture": (
        "先頭2桁が都道府県コード(01〜47)ではありません。",
        "The first two digits are not a prefecture code (01-47).",
    ),
    "check_digit": (
        "地方公共団体コードの検査数字(6桁目)が正しくありません。",
        "The check digit (6th digit) of the local government code is wrong.",
    ),
}


def invalid_lg_code(error: LgCodeError, code: str) -> Invalid:
    ja, en = _LG_CODE_MESSAGES[error.reason]
    return Invalid(f"tenancy.lg_code.{error.reason}", ja=ja, en=en, detail={"lg_code": code})


def unknown_municipality(code: str) -> NotFound:
    return NotFound(
        "tenancy.municipality.unknown",
        ja=f"地方公共団体コード {code} の自治体はひろばに登録されていません。",
        en=f"No municipality with code {code} is registered in Hiroba.",
        detail={"lg_code": code},
    )


def unknown_area(slug: str) -> NotFound:
    return NotFound(
        "tenancy.area.unknown",
        ja=f"地域通貨圏「{slug}」はありません。",
        en=f"There is no currency area {slug!r}.",
        detail={"slug": slug},
    )


def municipality_exists(code: str) -> Conflict:
    return Conflict(
        "tenancy.municipality.exists",
        ja=f"地方公共団体コード {code} の自治体はすでに登録されています。",
        en=f"A municipality with code {code} is already registered.",
        detail={"lg_code": code},
    )


def area_exists(slug: str) -> Conflict:
    return Conflict(
        "tenancy.area.exists",
        ja=f"地域通貨圏「{slug}」はすでにあります。",
        en=f"The currency area {slug!r} already exists.",
        detail={"slug": slug},
    )


def already_in_area(code: str, area_slug: str) -> Conflict:
    return Conflict(
        "tenancy.municipality.in_other_area",
        ja=f"この自治体はすでに地域通貨圏「{area_slug}」に参加しています。参加できる通貨圏は一つだけです。",
        en=f"This municipality already belongs to the currency area {area_slug!r}; it can belong to only one.",
        detail={"lg_code": code, "area": area_slug},
    )


def role_outside_town(code: str) -> Invalid:
    return Invalid(
        "tenancy.role.outside_town",
        ja="職員の役割は、その職員が所属する自治体についてのみ付与できます。",
        en="A staff role can only be granted for the staff member's own municipality.",
        detail={"lg_code": code},
    )


def role_period_invalid() -> Invalid:
    return Invalid(
        "tenancy.role.period",
        ja="終了日は開始日以降の日付にしてください。",
        en="The end date must be on or after the start date.",
    )


def role_overlaps() -> Conflict:
    return Conflict(
        "tenancy.role.overlaps",
        ja="同じ職員に同じ役割が、重なる期間ですでに付与されています。",
        en="The staff member already has this role for an overlapping period.",
    )


def forbidden(code: str | None = None) -> PermissionDenied:
    return PermissionDenied(
        "tenancy.forbidden",
        ja="この操作を行う権限がありません。所属する自治体と役割を確認してください。",
        en="You are not allowed to do this. Check your municipality and role.",
        detail={"lg_code": code} if code else None,
    )


def unknown_staff(code: str) -> NotFound:
    return NotFound(
        "tenancy.staff.unknown",
        ja="この自治体にその職員はいません。",
        en="There is no such staff member in this municipality.",
        detail={"lg_code": code},
    )
