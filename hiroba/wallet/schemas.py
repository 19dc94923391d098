from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class HoldingOut(Schema):
    kind: str = Field(..., description="points, coin (granted) or paid_coin (bought at a counter)")
    amount: int
    expires_on: dt.date
    funder: str


class MovementOut(Schema):
    at: dt.datetime
    kind: str
    amount: int = Field(..., description="signed: + received, − spent")
    journal: str


class WalletOut(Schema):
    points: int
    coins: int
    paid_coins: int
    holdings: list[HoldingOut]
    history: list[MovementOut]


class ConvertIn(Schema):
    points: int = Field(..., gt=0)


class PayIn(Schema):
    qr: str | None = Field(None, description="the shop's QR payload (static or dynamic)")
    merchant_id: str | None = Field(None, description="typed-code fallback when the camera cannot read the QR")
    amount: int | None = Field(None, description="yen; required for a static QR or a typed shop ID")


class JournalOut(Schema):
    journal: str
    kind: str
    amount: int


class CustomerCodeOut(Schema):
    code: str
    expires_in: int


class RequestIn(Schema):
    amount: int


class RequestOut(Schema):
    id: str
    amount: int
    expires_at: dt.datetime
    qr: str


class ChargeIn(Schema):
    code: str = Field(..., max_length=200)
    amount: int


class CardPayIn(Schema):
    card_id: str = Field(..., max_length=40, description="the ID on the resident's printed card (its QR holds it)")
    pin: str = Field(..., max_length=8, description="the card's PIN, typed by the resident at the shop's terminal")
    amount: int


class RefundIn(Schema):
    payment: str = Field(..., max_length=120)
    amount: int


class MerchantIn(Schema):
    lg_code: str
    name: str = Field(..., max_length=100)
    name_roman: str = Field(..., max_length=25)
    address: str = Field(..., max_length=200)
    mcc: str = "5999"
    bank_code: str
    branch_code: str
    account_type: int = 1
    account_number: str
    holder_name: str = Field(..., max_length=60)


class MerchantOut(Schema):
    id: str
    name: str
    municipality: str
    area: str
    status: str
    qr: str | None = None


class SuspendIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class BudgetIn(Schema):
    year: int = Field(..., ge=2000, le=2200)
    amount: int


class SellIn(Schema):
    resident: str = Field(..., description="pairwise ID of the resident at the counter")
    amount: int
