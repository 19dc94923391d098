"""Partner batches: signed JSON of daily step totals pushed by a partner service. Django-free.

The partner signs `<timestamp>\\n<nonce>\\n<body>` with HMAC-SHA256 under its secret and sends the hex digest with
the timestamp (Unix seconds) and a fresh nonce. A batch is refused whole when the signature, the clock or any entry
is wrong; the caller refuses a nonce it has seen before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date

from hiroba.health.importers.base import ImportRefused

MAX_BODY = 1024 * 1024
MAX_ENTRIES = 10_000
MAX_SKEW_SECONDS = 300
MAX_STEPS = 1_000_000  # per day: anything above is not a step count (the fraud rules hold far lower figures)
MAX_USER = 200
NONCE = re.compile(r"\A[A-Za-z0-9_-]{16,64}\Z")


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    user: str  # the partner's own ID for the person
    day: date
    steps: int
    max_per_minute: int


def signature(secret: bytes, *, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _refuse(code: str, ja: str, en: str, where: str = "") -> ImportRefused:
    return ImportRefused(f"import.{code}", ja=ja, en=en, where=where)


def verify(secret: bytes, *, timestamp: str, nonce: str, body: bytes, signed: str, now: float) -> None:
    """Refuse a batch whose signature, timestamp or nonce is wrong (before its body is read)."""
    if len(body) > MAX_BODY:
        raise _refuse("too_large", "データが大きすぎます。", "The batch is too large.")
    if not NONCE.match(nonce):
        raise _refuse("partner_nonce", "ノンスの形式が正しくありません。", "The nonce is malformed.")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise _refuse("partner_clock", "時刻が大きくずれています。", "The timestamp is missing or too far off.")
    expected = signature(secret, timestamp=timestamp, nonce=nonce, body=body)
    if not hmac.compare_digest(expected, signed.strip().lower()):
        raise _refuse("partner_signature", "署名が一致しません。", "The signature does not match.")


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_STEPS


def read_batch(body: bytes, *, today: date) -> list[PartnerEntry]:
    """`{"entries": [{"user": "...", "date": "YYYY-MM-DD", "steps": 1234, "max_per_minute": 110}, ...]}`."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse("bad_json", "JSON として読めません。", "The batch is not valid JSON.") from None
    entries = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not 0 < len(entries) <= MAX_ENTRIES:
        raise _refuse("partner_batch", "entries の一覧がありません。", f"Give 1 to {MAX_ENTRIES:,} entries.")
    out: list[PartnerEntry] = []
    for n, entry in enumerate(entries):
        where = f"entries[{n}]"
        if not isinstance(entry, dict) or set(entry) - {"user", "date", "steps", "max_per_minute"}:
            raise _refuse("partner_entry", "項目が正しくありません。", "The entry has unknown fields.", where)
        user, day, steps, rate = (
            entry.get("user"),
            entry.get("date"),
            entry.get("steps"),
            entry.get("max_per_minute", 0),
        )
        if not isinstance(user, str) or not 0 < len(user) <= 200:  # noqa: PLR2004
            raise _refuse("partner_entry", "user が正しくありません。", "The user is missing.", where)
        try:
            parsed = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise _refuse("bad_date", "日付が正しくありません。", "The date is not YYYY-MM-DD.", where)
        if parsed > today:
            raise _refuse("future_date", "未来の日付です。", "The date is in the future.", where)
        if not isinstance(steps, int) or not isinstance(rate, int) or not (_count(steps) and _count(rate)):
            raise _refuse("negative", "歩数が正しくありません。", "A count is not a whole number in range.", where)
        out.append(PartnerEntry(user, parsed, steps, rate))
    return out
