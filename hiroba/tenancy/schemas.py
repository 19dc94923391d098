from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from hiroba.tenancy.models import Role, RoleGrant


class PrefectureOut(Schema):
    code: str
    name: str
    name_en: str


class MunicipalityOut(Schema):
    lg_code: str
    name: str
    name_kana: str
    name_en: str
    prefecture: PrefectureOut
    currency_area: str | None = Field(None, description="Slug of the currency area, if any.")


class MunicipalityIn(Schema):
    lg_code: str = Field(..., description="6-digit 全国地方公共団体コード including the check digit.")
    name: str = Field(..., min_length=1, max_length=50)
    name_kana: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field(..., min_length=1, max_length=100)


class AreaOut(Schema):
    slug: str
    name: str
    name_en: str
    currency_name: str
    municipalities: list[str] = Field(..., description="lg_codes of the member municipalities.")


class AreaIn(Schema):
    slug: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field(..., min_length=1, max_length=100)
    currency_name: str = Field(..., min_length=1, max_length=50)


class AreaMemberIn(Schema):
    lg_code: str


class GrantOut(Schema):
    id: int
    role: Role
    municipality: str | None
    starts_on: dt.date
    ends_on: dt.date | None

    @staticmethod
    def resolve_municipality(obj: RoleGrant) -> str | None:
        return obj.municipality_id


class StaffOut(Schema):
    id: int
    public_id: str
    full_name: str
    department: str
    grants: list[GrantOut]


class GrantIn(Schema):
    role: Role
    starts_on: dt.date
    ends_on: dt.date | None = None


class GrantEndIn(Schema):
    ends_on: dt.date | None = None


class MeOut(Schema):
    public_id: str
    full_name: str
    municipality: str | None
    is_agency: bool
    grants: list[tuple[str, str | None]]


class AuditRecordOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor: str
    acting_for: str
    channel: str
    tag: str
    subject: str
    data: dict[str, object]
    hash: str
