"""Channels beyond e-mail: how each resident wants to hear from the town (app, SMS, letter, phone), the balance of a
printed card read out at the town office's kiosk or on the automated phone line, and expiry notices sent by letter,
SMS or call.

The phone number is kept only for SMS and calls and the postal address only for letters; the audit log never holds
either, nor a message's text. Expiry notices are recorded per resident and expiry date in the audit log
(`assist:message:sent`, one record per letter, SMS or call, listing the dates it covered): a rerun sends nothing
twice. A letter counts as sent when it is in a printed batch; the batch's PDF is kept in the default storage so that
the counter can download it again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from hiroba.assist.events import AssistEvent
from hiroba.assist.formats.letter import Recipient, Sender, expiry_letters_pdf
from hiroba.assist.formats.phone import expiry_script
from hiroba.assist.gateways import gateway
from hiroba.assist.models import ContactChannel, ContactPreference, Scope
from hiroba.assist.selectors import LETTERS_FOLDER
from hiroba.assist.services.proxies import delegation_check, resident_subject
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import AppError, Invalid
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.tenancy import errors as tenancy_errors
from hiroba.tenancy.models import Municipality, Role
from hiroba.tenancy.selectors import actor_scope
from hiroba.wallet.selectors import Holding, coins_expiring, wallet_view
from hiroba.wallet.services.cards import PIN_LENGTH, card_pin_verified

ELEVEN_DIGIT_PREFIXES = ("020", "050", "060", "070", "080", "090")  # mobile, IP, M2M, 0800: 11 digits; others 10
ADDRESS_MAX = 200
MAX_WITHIN_DAYS = 366
EXPIRY_NOTICE = "expiry_notice"
LETTER_ROLES = (Role.COUNTER, Role.ADMIN)
CALLS = {ContactChannel.SMS.value, ContactChannel.PHONE.value}
# Dashes people type in a phone number or postal code that NFKC leaves alone (‐ ‑ ‒ – — ― − ー ｰ) and spacing.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70()]")


def _field_error(field: str, code: str, *, ja: str, en: str) -> tuple[str, dict[str, str]]:
    return field, {"code": code, "ja": ja, "en": en}


# ---------------------------------------------------------------- contact preference


def phone_normalised(raw: str) -> str:
    """A Japanese phone number as digits only; full-width digits, hyphens, spaces, brackets and +81 accepted."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if number.startswith("+81"):
        number = "0" + number[3:]
    digits = 11 if number.startswith(ELEVEN_DIGIT_PREFIXES) else 10
    if not (number.isascii() and number.isdigit() and number.startswith("0") and len(number) == digits):
        raise Invalid(
            "assist.phone_format",
            ja="電話番号は0から始まる数字で、携帯電話は11桁、固定電話は10桁です（例: 090-1234-5678）。",
            en="Enter a Japanese phone number starting with 0: 11 digits for a mobile, 10 for a landline "
            "(e.g. 090-1234-5678).",
        )
    return number


def postal_code_normalised(raw: str) -> str:
    """A postal code as ###-####; full-width digits, any hyphen and a leading 〒 accepted."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).removeprefix("〒")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 7):  # noqa: PLR2004 (郵便番号 is 7 digits)
        raise Invalid(
            "assist.postal_code_format",
            ja="郵便番号は7桁の数字で入力してください（例: 385-0051）。",
            en="Enter the 7-digit postal code (e.g. 385-0051).",
        )
    return f"{digits[:3]}-{digits[3:]}"


def _contact_fields(channel: str, phone: str, postal_code: str, address: str) -> tuple[str, str, str]:
    """What the channel keeps, normalised: (phone, postal code, address), the others empty. Every field's problem
    is reported at once, under `detail["fields"]`."""
    problems: dict[str, dict[str, str]] = {}
    kept = ("", "", "")
    if channel in {ContactChannel.SMS, ContactChannel.PHONE}:
        try:
            kept = (phone_normalised(phone), "", "")
        except AppError as error:
            problems.update([_field_error("phone", error.code, ja=error.message_ja, en=error.message_en)])
    elif channel == ContactChannel.LETTER:
        code = ""
        try:
            code = postal_code_normalised(postal_code)
        except AppError as error:
            problems.update([_field_error("postal_code", error.code, ja=error.message_ja, en=error.message_en)])
        street = " ".join(unicodedata.normalize("NFKC", address).split())
        if not street or len(street) > ADDRESS_MAX:
            problems.update(
                [
                    _field_error(
                        "address",
                        "assist.address_required",
                        ja=f"住所を{ADDRESS_MAX}文字以内で入力してください（建物名・部屋番号まで）。",
                        en=f"Enter the address, up to {ADDRESS_MAX} characters (with building and room).",
                    )
                ]
            )
        kept = ("", code, street)
    elif channel != ContactChannel.APP:
        problems.update(
            [_field_error("channel", "assist.channel_unknown", ja="連絡の方法を選んでください。", en="Choose a way.")]
        )
    if problems:
        raise Invalid(
            "assist.contact_invalid",
            ja="入力内容を確認してください。",
            en="Check the details you entered.",
            detail={"fields": problems},
        )
    return kept


@transaction.atomic(durable=True)
def contact_preference_set(
    *, resident: Resident, channel: str, phone: str = "", postal_code: str = "", address: str = "", actor: Actor
) -> ContactPreference:
    """The resident's choice (or the counter's, for them): the number is kept only for SMS and calls, the address
    only for letters. Audited with the channel only."""
    kept_phone, kept_code, kept_address = _contact_fields(channel, phone, postal_code, address)
    Resident.objects.select_for_update().get(pk=resident.pk)
    current = ContactPreference.objects.filter(resident=resident).first()
    was = current.channel if current else ContactChannel.APP
    preference, _ = ContactPreference.objects.update_or_create(
        resident=resident,
        defaults={
            "channel": channel,
            "phone": kept_phone,
            "postal_code": kept_code,
            "address": kept_address,
            "changed_at": timezone.now(),
        },
    )
    audit_record(
        tag=AssistEvent.CONTACT_CHANGED,
        actor=actor,
        subject=resident_subject(resident),
        data={"channel": channel, "was": was},
        municipality=resident.municipality_id,
    )
    return preference


# ---------------------------------------------------------------- a printed card's balance


@dataclass(frozen=True)
class Balance:
    coins: int  # granted and bought coins together: 1 coin = 1 yen
    expiring: list[tuple[date, int]]  # coins by last usable day, soonest first


def _coins_by_day(holdings: list[Holding]) -> list[tuple[date, int]]:
    by_day: dict[date, int] = defaultdict(int)
    for holding in holdings:
        if holding.kind != "points":
            by_day[holding.expires_on] += holding.amount
    return sorted(by_day.items())


def card_balance(*, card_id: str, pin: str, where: str, on: date, actor: Actor) -> Balance:
    """The coins of the card's resident, for the holder who typed the card's PIN at `where` (kiosk, phone): wrong
    PINs count as at a shop (a PIN that is not 4 digits is refused uncounted); a proxy's card needs the delegation's
    BALANCE scope. Audited, with the card."""
    pin = unicodedata.normalize("NFKC", pin).strip()
    if len(pin) != PIN_LENGTH or not (pin.isascii() and pin.isdigit()):  # not a guess: a reader's Enter, say
        raise Invalid("assist.pin_format", ja="暗証番号（数字4桁）を入力してください。", en="Type the 4-digit PIN.")
    card = card_pin_verified(card_id=card_id, pin=pin, where=where, actor=actor)
    if card.delegation_id is not None:
        delegation_check(delegation_id=card.delegation_id, scope=Scope.BALANCE, on=on, actor=actor)
    expiring = _coins_by_day(wallet_view(resident=card.resident, on=on, history=0).holdings)
    balance = Balance(coins=sum(amount for _, amount in expiring), expiring=expiring)
    with transaction.atomic():
        audit_record(
            tag=AssistEvent.BALANCE_SHOWN,
            actor=actor,
            subject=resident_subject(card.resident),
            data={
                "where": where,
                "card": card.pk,
                **({"delegation": card.delegation_id} if card.delegation_id else {}),
            },
            municipality=card.resident.municipality_id,
        )
    return balance


# ---------------------------------------------------------------- expiry notices


def _town_staff_require(actor: Actor, lg_code: str) -> None:
    scope = actor_scope(actor)
    if not any(scope.has(role, lg_code) for role in LETTER_ROLES):
        raise tenancy_errors.forbidden(lg_code)


def _notified(lg_code: str, residents: list[Resident]) -> set[tuple[str, str]]:
    """(subject, expiry date) pairs already notified, whatever the channel."""
    rows = AuditRecord.objects.filter(
        chain_id=lg_code,
        tag=AssistEvent.MESSAGE_SENT,
        subject__in=[resident_subject(r) for r in residents],
        data__kind=EXPIRY_NOTICE,
    ).values_list("subject", "data")
    return {(subject, day) for subject, data in rows for day in data.get("expires_on", [])}


Due = tuple[Resident, ContactPreference, list[tuple[date, int]]]


def _due(
    municipality: Municipality, *, on: date, within_days: int, channels: set[str], resident_ids: list[int] | None = None
) -> list[Due]:
    """Residents who chose one of `channels` and hold coins expiring within the window on a date not yet notified,
    with their choice and their coins by expiry date."""
    preferences = (
        ContactPreference.objects.select_related("resident__municipality", "resident__person__user")
        .filter(resident__municipality=municipality, resident__status=ResidentStatus.ACTIVE, channel__in=channels)
        .order_by("resident_id")
    )
    if resident_ids is not None:
        preferences = preferences.filter(resident_id__in=resident_ids)
    chosen = list(preferences)
    residents = [p.resident for p in chosen]
    done = _notified(municipality.lg_code, residents)
    area = municipality.currency_area
    coins = coins_expiring(residents=residents, area=area, on=on, within_days=within_days) if area else {}
    due = []
    for preference in chosen:
        resident = preference.resident
        expiring = coins.get(resident.pk, [])
        if any((resident_subject(resident), day.isoformat()) not in done for day, _ in expiring):
            due.append((resident, preference, expiring))
    return due


def _message_sent(resident: Resident, *, channel: str, expiring: list[tuple[date, int]], actor: Actor) -> None:
    audit_record(
        tag=AssistEvent.MESSAGE_SENT,
        actor=actor,
        subject=resident_subject(resident),
        data={"channel": channel, "kind": EXPIRY_NOTICE, "expires_on": [day.isoformat() for day, _ in expiring]},
        municipality=resident.municipality_id,
    )


def _holder_name(resident: Resident) -> str:
    return resident.person.user.full_name if resident.person is not None else ""


@transaction.atomic(durable=True)
def _letters(
    municipality: Municipality, *, on: date, within_days: int, coin_name: str, actor: Actor
) -> tuple[bytes | None, int]:
    """One print batch. The town's letter residents are locked first, so that a concurrent run waits and then finds
    them recorded."""
    letter = {ContactChannel.LETTER.value}
    list(
        Resident.objects.select_for_update()
        .filter(municipality=municipality, contact__channel__in=letter)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = _due(municipality, on=on, within_days=within_days, channels=letter)
    if not rows:
        return None, 0
    pdf = expiry_letters_pdf(
        recipients=[Recipient(p.postal_code, p.address, _holder_name(r), expiring) for r, p, expiring in rows],
        sender=Sender(town=municipality.name, department=settings.ASSIST_LETTER_DEPARTMENT),
        coin_name=coin_name,
        issued_on=on,
    )
    for resident, _, expiring in rows:
        _message_sent(resident, channel=ContactChannel.LETTER, expiring=expiring, actor=actor)
    name = f"expiry-{on:%Y%m%d}-{hashlib.sha256(pdf).hexdigest()[:12]}.pdf"
    path = f"{LETTERS_FOLDER}/{municipality.lg_code}/{name}"
    if not default_storage.exists(path):  # the name holds the content's hash: a file already there is this one
        default_storage.save(path, ContentFile(pdf))
    audit_record(
        tag=AssistEvent.LETTERS_PRINTED,
        actor=actor,
        subject=f"municipality:{municipality.lg_code}",
        data={
            "file": name,
            "letters": len(rows),
            "on": on.isoformat(),
            "within_days": within_days,
        },
        municipality=municipality.lg_code,
    )
    return pdf, len(rows)


@transaction.atomic(durable=True)
def _call_or_text(resident: Resident, *, on: date, within_days: int, coin_name: str, actor: Actor) -> str | None:
    """One resident's SMS or call, recorded in the same transaction: if the gateway fails, nothing is recorded and
    the next run tries again; a concurrent run waits for the lock and then finds the record."""
    Resident.objects.select_for_update().get(pk=resident.pk)
    found = _due(resident.municipality, on=on, within_days=within_days, channels=CALLS, resident_ids=[resident.pk])
    if not found:
        return None
    _, preference, expiring = found[0]
    script = expiry_script(town=resident.municipality.name, coin_name=coin_name, expiring=expiring, today=on)
    _message_sent(resident, channel=preference.channel, expiring=expiring, actor=actor)
    if preference.channel == ContactChannel.SMS:
        gateway().send_sms(preference.phone, script.text)
    else:
        gateway().call(preference.phone, script.ssml)
    return preference.channel


def expiry_notices_send(
    *, municipality: Municipality, on: date, within_days: int, actor: Actor
) -> tuple[bytes | None, dict[str, int]]:
    """Tell residents who chose a letter, SMS or call that coins expire within `within_days` of `on`: one PDF of
    letters to print (None when there is none) and a message through the gateway for the others. Residents of the
    app see it on their home page. Idempotent per resident and expiry date. Returns the PDF and the counts."""
    _town_staff_require(actor, municipality.lg_code)
    if not 1 <= within_days <= MAX_WITHIN_DAYS:
        raise Invalid(
            "assist.within_days",
            ja=f"日数は1から{MAX_WITHIN_DAYS}までです。",
            en=f"The number of days must be between 1 and {MAX_WITHIN_DAYS}.",
        )
    counts = {ContactChannel.LETTER.value: 0, ContactChannel.SMS.value: 0, ContactChannel.PHONE.value: 0}
    area = municipality.currency_area
    if area is None:  # no currency, no coins
        return None, counts
    pdf, counts[ContactChannel.LETTER] = _letters(
        municipality, on=on, within_days=within_days, coin_name=area.currency_name, actor=actor
    )
    for resident, _, _ in _due(municipality, on=on, within_days=within_days, channels=CALLS):
        sent = _call_or_text(resident, on=on, within_days=within_days, coin_name=area.currency_name, actor=actor)
        if sent is not None:
            counts[sent] += 1
    return pdf, counts
