"""Abuse limits for authentication: fixed-window counters per hashed key, kept in the database.

The database (not a per-process cache) holds the counters so that every worker of a multi-process server sees the
same numbers. Keys are keyed hashes: an IP address or a certificate is never stored in the clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hiroba.core.errors import AppError
from hiroba.identity.keys import lookup_hash
from hiroba.identity.models import ThrottleBucket


class TooManyAttempts(AppError):
    status = 429


@dataclass(frozen=True)
class Limit:
    scope: str
    hits: int
    window: timedelta


# Per IP: generous enough for a shared municipal counter terminal, low enough to stop scripted guessing.
IP_SIGN_IN = Limit("ip_sign_in", 30, timedelta(minutes=5))
# Per certificate: a card holder signs in a few times a day at most.
CERT_SIGN_IN = Limit("cert_sign_in", 10, timedelta(minutes=5))
# Repeated failed signatures block that certificate for the window.
CERT_FAILURES = Limit("cert_failures", 5, timedelta(minutes=15))
EMAIL_CODE_SEND = Limit("email_code_send", 5, timedelta(minutes=15))


def _window_start(limit: Limit, now: datetime) -> datetime:
    size = int(limit.window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % size, tz=now.tzinfo)


def _blocked(limit: Limit, key: str, now: datetime) -> ThrottleBucket | None:
    return ThrottleBucket.objects.filter(
        scope=limit.scope,
        key_hash=lookup_hash("throttle", limit.scope, key),
        window_start=_window_start(limit, now),
        hits__gte=limit.hits,
    ).first()


def _refuse(limit: Limit, now: datetime) -> TooManyAttempts:
    retry = _window_start(limit, now) + limit.window - now
    return TooManyAttempts(
        f"identity.throttled.{limit.scope}",
        ja="試行回数が多すぎます。しばらくしてからもう一度お試しください。",
        en="Too many attempts. Please wait a while and try again.",
        detail={"retry_after_seconds": int(retry.total_seconds()) + 1},
    )


def throttle_hit(limit: Limit, *, key: str) -> None:
    """Count one attempt; refuse (429) once the window's allowance is used up. Commits on its own.

    Counting happens in its own short transaction so that a refused or failed sign-in still counts.
    """
    now = timezone.now()
    key_hash = lookup_hash("throttle", limit.scope, key)
    start = _window_start(limit, now)
    with transaction.atomic():
        bucket, _ = ThrottleBucket.objects.get_or_create(scope=limit.scope, key_hash=key_hash, window_start=start)
        ThrottleBucket.objects.filter(pk=bucket.pk).update(hits=F("hits") + 1)
        hits = ThrottleBucket.objects.values_list("hits", flat=True).get(pk=bucket.pk)
    if hits > limit.hits:
        raise _refuse(limit, now)


def throttle_check(limit: Limit, *, key: str) -> None:
    """Refuse when the key has used up its allowance, without counting (for failure-only limits)."""
    now = timezone.now()
    if _blocked(limit, key, now) is not None:
        raise _refuse(limit, now)
