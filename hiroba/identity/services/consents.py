"""Consents for purposes beyond enrollment (a health data source, say): granted with the notice shown, withdrawn
by a new timestamp. Other apps ask through here and never write `Consent` rows themselves."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.identity.events import IdentityEvent
from hiroba.identity.models import Consent, Resident
from hiroba.identity.services.residents import notice_digest


@transaction.atomic
def consent_grant(
    *, resident: Resident, purpose: str, notice_version: str, notice_text: str, language: str, actor: Actor
) -> Consent:
    """Record consent to `purpose`; an active consent to the same purpose and notice is returned unchanged."""
    current = Consent.objects.filter(resident=resident, purpose=purpose, withdrawn_at__isnull=True).first()
    if current is not None and current.notice_version == notice_version:
        return current
    now = timezone.now()
    if current is not None:  # the notice changed: the old consent ends as the new one begins
        Consent.objects.filter(pk=current.pk).update(withdrawn_at=now)
    consent = Consent.objects.create(
        resident=resident,
        purpose=purpose,
        notice_version=notice_version,
        notice_digest=notice_digest(notice_text),
        language=language,
        granted_at=now,
    )
    audit_record(
        tag=IdentityEvent.CONSENT_GRANTED,
        actor=actor,
        subject=f"resident:{resident.pairwise_id}",
        data={"purpose": purpose, "notice_version": notice_version},
        municipality=resident.municipality_id,
    )
    return consent


@transaction.atomic
def consent_withdraw(*, resident: Resident, purpose: str, actor: Actor) -> bool:
    """End the active consent to `purpose`; False when there was none."""
    ended = Consent.objects.filter(resident=resident, purpose=purpose, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if ended:
        audit_record(
            tag=IdentityEvent.CONSENT_WITHDRAWN,
            actor=actor,
            subject=f"resident:{resident.pairwise_id}",
            data={"purpose": purpose},
            municipality=resident.municipality_id,
        )
    return bool(ended)
