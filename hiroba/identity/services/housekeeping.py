"""Nightly clean-up of short-lived identity rows (run `hiroba identity housekeeping` from the scheduler)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from hiroba.identity.models import Challenge, EmailCode, Invitation, ThrottleBucket

# Kept a day after they stop mattering, so that an incident can still be looked at the next morning.
GRACE = timedelta(days=1)


@transaction.atomic(durable=True)
def identity_housekeeping(*, now: datetime) -> dict[str, int]:
    """Delete used or expired challenges, e-mail codes and invitations, and throttle windows long past."""
    cutoff = now - GRACE
    return {
        "challenges": Challenge.objects.filter(expires_at__lt=cutoff).delete()[0],
        "email_codes": EmailCode.objects.filter(expires_at__lt=cutoff).delete()[0],
        "invitations": Invitation.objects.filter(expires_at__lt=cutoff).delete()[0],
        "throttle_windows": ThrottleBucket.objects.filter(window_start__lt=cutoff).delete()[0],
    }
