"""The API side of channels: the automated phone line's balance script.

The phone line (an IVR at the town's telephony provider) reads the card ID and PIN the caller keys in and posts them
here with the shared secret in `X-Phone-Line-Secret`; without `ASSIST_PHONE_LINE_SECRET` set, every call is refused.
Wrong PINs count as at a shop and the fifth locks the card.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import APIKeyHeader

from hiroba.assist.formats.phone import VARIANTS, balance_script
from hiroba.assist.services import channels
from hiroba.core.audit import Actor
from hiroba.core.models import Channel

PHONE_LINE = Actor(user=None, channel=Channel.API, ref="phone-line")


class PhoneLineSecret(APIKeyHeader):
    """The shared secret of the phone line, compared in constant time; refused while the setting is empty."""

    param_name = "X-Phone-Line-Secret"

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:  # noqa: ARG002 (ninja's signature)
        secret = settings.ASSIST_PHONE_LINE_SECRET
        if not secret or not key or not hmac.compare_digest(key.encode(), secret.encode()):
            return None
        return "phone-line"


router = Router(tags=["assist"])


class PhoneBalanceIn(Schema):
    card_id: str = Field(..., max_length=40, description="the ID on the printed card, as keyed in by the caller")
    pin: str = Field(..., max_length=8, description="the card's PIN, as keyed in by the caller")


class ExpiringOut(Schema):
    last_day: date
    amount: int


class ScriptOut(Schema):
    text: str = Field(..., description="as written: 残高は1,250円です。")
    ssml: str = Field(..., description="SSML 1.1, each figure with its kana reading in <sub alias>")
    reading: str = Field(..., description="the text with every figure in kana, for engines without SSML")
    lang: str


class PhoneBalanceOut(Schema):
    coins: int
    expiring: list[ExpiringOut]
    ja: ScriptOut
    easy: ScriptOut = Field(..., description="やさしい日本語")
    en: ScriptOut


@router.post(
    "/assist/phone/balance",
    auth=PhoneLineSecret(),
    response=PhoneBalanceOut,
    summary="The phone line reads a printed card's balance",
    description="For the automated phone line only: header `X-Phone-Line-Secret` (the shared secret) and "
    "`Idempotency-Key`. Wrong PINs count as at a shop (the fifth locks the card); a proxy's card needs the "
    "delegation's balance scope.",
)
def phone_balance(request: HttpRequest, body: PhoneBalanceIn) -> dict[str, Any]:
    today = timezone.localdate()
    balance = channels.card_balance(card_id=body.card_id, pin=body.pin, where="phone", on=today, actor=PHONE_LINE)
    scripts = {
        variant: balance_script(balance=balance.coins, expiring=balance.expiring, today=today, variant=variant)
        for variant in VARIANTS
    }
    return {
        "coins": balance.coins,
        "expiring": [{"last_day": day, "amount": amount} for day, amount in balance.expiring],
        **{variant: asdict(script) for variant, script in scripts.items()},
    }
