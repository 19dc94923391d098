"""Partner services: a resident links their account at a partner, and the partner pushes signed batches of daily
totals for linked, consenting residents. A batch is verified, read whole, and stored in one transaction with its
nonce, so a replay is refused and a re-sent entry for the same (partner, resident, date) changes nothing."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.errors import Conflict, NotAuthenticated, NotFound
from hiroba.core.models import Channel
from hiroba.health.importers import partner as batch
from hiroba.health.importers.base import DayChoice, ImportRefused
from hiroba.health.models import EnteredBy, Origin, Partner, PartnerLink, PartnerNonce
from hiroba.health.refusals import refused
from hiroba.health.services.steps import store_days
from hiroba.health.sources import CONSENT_PREFIX, consent_purpose
from hiroba.identity.keys import lookup_hash
from hiroba.identity.models import Resident
from hiroba.identity.selectors import consents_active
from hiroba.identity.services import consent_grant


@dataclass(frozen=True)
class BatchSummary:
    days: int
    held: int
    unknown_users: int
    no_consent: int


def _member(partner: Partner, user: str) -> str:
    return lookup_hash(f"health:partner:{partner.slug}", user.strip())


def _unknown() -> NotFound:
    return NotFound("health.partner_unknown", ja="連携サービスが見つかりません。", en="No such partner service.")


def partner_get(*, slug: str) -> Partner:
    partner = Partner.objects.filter(slug=slug, active=True).first()
    if partner is None:
        raise _unknown()
    return partner


@transaction.atomic
def partner_link(*, resident: Resident, slug: str, user: str, notice_text: str, language: str, actor: Actor) -> None:
    """The resident links their account at a partner of their town and consents to its data."""
    partner = partner_get(slug=slug)
    if partner.municipality_id != resident.municipality_id:  # another town's partner is not found, not refused
        raise _unknown()
    PartnerLink.objects.update_or_create(
        partner=partner,
        member=_member(partner, user),
        defaults={"resident": resident, "linked_at": timezone.now()},
    )
    consent_grant(
        resident=resident,
        purpose=consent_purpose(Origin.PARTNER),
        notice_version=partner.slug,
        notice_text=notice_text,
        language=language,
        actor=actor,
    )


def partner_batch_accept(
    *, slug: str, body: bytes, timestamp: str, nonce: str, signed: str, today: date | None = None
) -> BatchSummary:
    """Verify and store one signed batch. Refusals: 401 for a bad signature or clock, 409 for a replayed nonce,
    422 naming the entry for bad content; nothing of a refused batch is stored."""
    partner = partner_get(slug=slug)
    try:
        batch.verify(
            partner.secret.encode(), timestamp=timestamp, nonce=nonce, body=body, signed=signed, now=time.time()
        )
    except ImportRefused as error:
        if error.code in {"import.partner_signature", "import.partner_clock"}:
            raise NotAuthenticated(error.code, ja=error.ja, en=error.en) from None
        raise refused(error) from None
    today = today or timezone.localdate()
    try:
        entries = batch.read_batch(body, today=today)
    except ImportRefused as error:
        raise refused(error) from None
    try:
        return _store_batch(partner, nonce, entries, today)
    except IntegrityError:
        raise Conflict(
            "health.partner_replay", ja="このバッチは受付済みです。", en="This batch (nonce) was already accepted."
        ) from None


@transaction.atomic
def _store_batch(partner: Partner, nonce: str, entries: list[batch.PartnerEntry], today: date) -> BatchSummary:
    PartnerNonce.objects.create(partner=partner, nonce=nonce, seen_at=timezone.now())  # a replay fails here
    links = dict(
        PartnerLink.objects.filter(partner=partner, member__in={_member(partner, e.user) for e in entries}).values_list(
            "member", "resident_id"
        )
    )
    residents = {r.pk: r for r in Resident.objects.filter(pk__in=set(links.values()))}
    consenting = {
        resident_id
        for resident_id, purpose in consents_active(resident_ids=list(residents), prefix=CONSENT_PREFIX)
        if purpose == consent_purpose(Origin.PARTNER)
    }
    by_resident: dict[int, list[DayChoice]] = {}
    unknown = refused_consent = 0
    for entry in entries:
        resident_id = links.get(_member(partner, entry.user))
        if resident_id is None:
            unknown += 1
        elif resident_id not in consenting:
            refused_consent += 1
        else:
            by_resident.setdefault(resident_id, []).append(
                DayChoice(entry.day, entry.steps, partner.slug, 0, float(entry.max_per_minute))
            )
    days = held = 0
    actor = Actor(user=None, channel=Channel.API, ref=f"partner:{partner.slug}")
    for resident_id, choices in by_resident.items():
        summary = store_days(
            residents[resident_id], Origin.PARTNER, choices, entered_by=EnteredBy.PARTNER, actor=actor, today=today
        )
        days += summary.imported
        held += summary.held
    return BatchSummary(days, held, unknown, refused_consent)


def partner_nonces_prune(*, now: datetime | None = None) -> int:
    """Forget nonces older than the clock window: a batch that old is refused by its timestamp anyway. Daily."""
    cutoff = (now or timezone.now()) - timedelta(seconds=2 * batch.MAX_SKEW_SECONDS)
    removed, _ = PartnerNonce.objects.filter(seen_at__lt=cutoff).delete()
    return removed
