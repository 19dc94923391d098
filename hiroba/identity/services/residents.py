"""Residents: enrollment with consent, credential bindings, renewal linkage, moves and account deletion.

What is kept about a resident is exactly what the enrollment page shows: the municipality, the birth year and month,
the display name, the consent record and keyed hashes of their credentials. The full address, the birth day, the
sex and the certificates themselves are used during enrollment and then dropped.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, NotFound
from hiroba.core.validators import ensure_no_individual_number
from hiroba.identity.events import IdentityEvent
from hiroba.identity.keys import KEY_VERSION, lookup_hash, municipality_context, pairwise_id
from hiroba.identity.linkage import Linkage
from hiroba.identity.models import (
    AccountKind,
    Consent,
    CredentialBinding,
    CredentialKind,
    Person,
    Resident,
    ResidentStatus,
    User,
)
from hiroba.identity.selectors.residents import municipality_for_address, normalise_name
from hiroba.identity.signals import credential_changed
from hiroba.tenancy.models import Municipality

CONSENT_PURPOSE = "enrollment"
MAX_DISPLAY_NAME = 100
# Bumped whenever the enrollment notice's wording changes; the digest records the exact text shown.
CONSENT_NOTICE_VERSION = "2026-11"


@dataclass(frozen=True)
class PendingCredential:
    """A verified credential not yet bound to anyone (kept in the session between sign-in and enrollment)."""

    kind: str
    lookup: str
    not_after: str | None  # ISO 8601

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingCredential:
        return cls(kind=str(data["kind"]), lookup=str(data["lookup"]), not_after=data.get("not_after"))


@dataclass(frozen=True)
class EnrollmentOffer:
    """What enrollment will keep, derived from the basic facts; shown to the resident before they consent."""

    lg_code: str
    display_name: str
    birth_year: int
    birth_month: int
    facts_lookup: str
    existing_user: str | None  # public_id of a person already enrolled with the same name and birth date
    moving_from: str | None  # lg_code of that person's current municipality when it differs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnrollmentOffer:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def facts_lookup(*, name: str, birth_date: date) -> str:
    return lookup_hash("facts", normalise_name(name), birth_date.isoformat())


def enrollment_offer(*, name: str, birth_date: date, address: str) -> EnrollmentOffer:
    """Decide the municipality from the address and find an earlier enrollment of the same person, if any."""
    municipality = municipality_for_address(address)
    if municipality is None:
        raise Invalid(
            "identity.municipality_not_served",
            ja="お住まいの市区町村は、まだひろばを利用していません。",
            en="Your municipality does not use Hiroba yet.",
        )
    lookup = facts_lookup(name=name, birth_date=birth_date)
    binding = CredentialBinding.objects.select_related("person__user").filter(lookup=lookup).first()
    existing = binding.person if binding else None
    current = existing.residencies.filter(status=ResidentStatus.ACTIVE).first() if existing else None
    return EnrollmentOffer(
        lg_code=municipality.lg_code,
        display_name=" ".join(name.split())[:MAX_DISPLAY_NAME],
        birth_year=birth_date.year,
        birth_month=birth_date.month,
        facts_lookup=lookup,
        existing_user=existing.user.public_id if existing else None,
        moving_from=current.municipality_id if current and current.municipality_id != municipality.lg_code else None,
    )


def notice_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _already_bound() -> Conflict:
    return Conflict(
        "identity.credential_bound",
        ja="この証明書はすでに登録されています。",
        en="This certificate is already registered.",
    )


def _bind(person: Person, credential: PendingCredential, *, now: datetime) -> CredentialBinding:
    if CredentialBinding.objects.filter(lookup=credential.lookup).exists():
        raise _already_bound()
    try:
        with transaction.atomic():
            return CredentialBinding.objects.create(
                person=person,
                kind=credential.kind,
                lookup=credential.lookup,
                key_version=KEY_VERSION,
                not_after=datetime.fromisoformat(credential.not_after) if credential.not_after else None,
                last_used_at=now,
            )
    except IntegrityError:  # the same card enrolled at the same moment in another session
        raise _already_bound() from None


def _new_resident(person: Person, lg_code: str) -> Resident:
    return Resident.objects.create(
        person=person,
        municipality_id=lg_code,
        pairwise_id=pairwise_id(person_id=person.id, context=municipality_context(lg_code)),
        key_version=KEY_VERSION,
    )


@transaction.atomic(durable=True)
def resident_enroll(
    *,
    credential: PendingCredential,
    offer: EnrollmentOffer,
    consented: bool,
    notice_text: str,
    language: str,
    actor: Actor,
) -> User:
    """Create the person, their resident record and bindings — or, when the same person is already enrolled and
    confirms it, attach the new credential to them (a renewed or reissued card) and follow a move."""
    if not consented:
        raise Invalid(
            "identity.consent_required",
            ja="登録するには、保存する内容への同意が必要です。",
            en="Please agree to what will be kept in order to register.",
        )
    now = timezone.now()
    municipality = Municipality.objects.get(lg_code=offer.lg_code)
    if offer.existing_user:
        person = Person.objects.select_related("user").get(user__public_id=offer.existing_user)
        _bind(person, credential, now=now)
        credential_changed.send(sender=Person, person=person, actor=actor)
        resident = person.residencies.filter(status=ResidentStatus.ACTIVE).first()
        if resident is None or resident.municipality_id != municipality.lg_code:
            mover = Actor.for_user(person.user, channel=actor.channel)
            resident = _move(person, resident, municipality, now=now, actor=mover)
        audit_record(
            tag=IdentityEvent.CREDENTIAL_LINKED,
            actor=Actor.for_user(person.user, channel=actor.channel),
            subject=f"resident:{resident.pairwise_id}",
            data={"kind": credential.kind, "by": "re-enrollment"},
            municipality=resident.municipality_id,
        )
        _record_consent(resident, notice_text=notice_text, language=language, now=now)
        return person.user
    user = User.objects.create_user(
        f"r_{secrets.token_hex(10)}", None, full_name=offer.display_name, kind=AccountKind.RESIDENT
    )
    person = Person.objects.create(user=user, birth_year=offer.birth_year, birth_month=offer.birth_month)
    _bind(person, credential, now=now)
    CredentialBinding.objects.create(
        person=person, kind=CredentialKind.BASIC_FACTS, lookup=offer.facts_lookup, key_version=KEY_VERSION
    )
    resident = _new_resident(person, municipality.lg_code)
    _record_consent(resident, notice_text=notice_text, language=language, now=now)
    audit_record(
        tag=IdentityEvent.RESIDENT_ENROLLED,
        actor=Actor.for_user(user, channel=actor.channel),
        subject=f"resident:{resident.pairwise_id}",
        data={"credential": credential.kind, "notice_version": CONSENT_NOTICE_VERSION},
        municipality=municipality.lg_code,
    )
    return user


def _record_consent(resident: Resident, *, notice_text: str, language: str, now: datetime) -> None:
    Consent.objects.create(
        resident=resident,
        purpose=CONSENT_PURPOSE,
        notice_version=CONSENT_NOTICE_VERSION,
        notice_digest=notice_digest(notice_text),
        language=language,
        granted_at=now,
    )


def _move(person: Person, old: Resident | None, municipality: Municipality, *, now: datetime, actor: Actor) -> Resident:
    """End the old residency and open one in the new municipality under a new pairwise ID.

    The link between the two IDs is written only to the platform audit chain, which municipalities cannot read:
    neither town learns the other's ID for the person.
    """
    if old is not None:
        old.status = ResidentStatus.MOVED
        old.ended_at = now
        old.save(update_fields=["status", "ended_at"])
    new = person.residencies.filter(municipality=municipality).exclude(status=ResidentStatus.DELETED).first()
    if new is not None:  # moving back: the town knows them by their earlier ID again
        new.status, new.ended_at = ResidentStatus.ACTIVE, None
        new.save(update_fields=["status", "ended_at"])
    else:
        new = _new_resident(person, municipality.lg_code)
    audit_record(
        tag=IdentityEvent.RESIDENT_MOVED,
        actor=actor,
        subject=f"resident:{new.pairwise_id}",
        data={"from": old.pairwise_id if old else None, "to": new.pairwise_id},
    )
    if old is not None:
        audit_record(
            tag=IdentityEvent.RESIDENT_MOVED_OUT,
            actor=actor,
            subject=f"resident:{old.pairwise_id}",
            data={},
            municipality=old.municipality_id,
        )
    audit_record(
        tag=IdentityEvent.RESIDENT_MOVED_IN,
        actor=actor,
        subject=f"resident:{new.pairwise_id}",
        data={},
        municipality=new.municipality_id,
    )
    return new


@transaction.atomic(durable=True)
def resident_move(*, pairwise_id: str, to_lg_code: str, actor: Actor) -> Resident:
    """An operator records a move reported by the resident's municipality (住民異動): re-key under audit."""
    try:
        old = Resident.objects.select_related("person").get(pairwise_id=pairwise_id, status=ResidentStatus.ACTIVE)
    except Resident.DoesNotExist:
        raise NotFound("identity.resident_not_found", ja="住民が見つかりません。", en="No such resident.") from None
    if old.municipality_id == to_lg_code:
        raise Conflict("identity.same_municipality", ja="同じ市区町村です。", en="That is the same municipality.")
    municipality = Municipality.objects.get(lg_code=to_lg_code)
    if old.person is None:  # cannot happen: the database requires an active residency to have its person
        raise Conflict(
            "identity.resident_not_active", ja="この住民は有効ではありません。", en="Not an active resident."
        )
    return _move(old.person, old, municipality, now=timezone.now(), actor=actor)


def _link(binding: CredentialBinding, new: PendingCredential, *, actor: Actor, source: str) -> None:
    _bind(binding.person, new, now=timezone.now())
    credential_changed.send(sender=Person, person=binding.person, actor=actor)
    resident = binding.person.residencies.filter(status=ResidentStatus.ACTIVE).first()
    audit_record(
        tag=IdentityEvent.CREDENTIAL_LINKED,
        actor=actor,
        subject=f"resident:{resident.pairwise_id}" if resident else "person",
        data={"kind": new.kind, "by": source},
        municipality=resident.municipality_id if resident else None,
    )


@dataclass(frozen=True)
class LinkageReport:
    linked: int
    unknown: int  # the old certificate belongs to nobody here
    already: int  # the new certificate is already bound


@transaction.atomic(durable=True)
def credential_linkage_import(*, rows: list[Linkage], actor: Actor, source: str = "linkage-file") -> LinkageReport:
    """Attach renewed certificates to the people who held the old ones, all rows or none."""
    linked = unknown = already = 0
    for row in rows:
        old = (
            CredentialBinding.objects.select_related("person")
            .filter(lookup=lookup_hash("jpki", row.old_issuer_key_id, str(row.old_serial)))
            .first()
        )
        new_lookup = lookup_hash("jpki", row.new_issuer_key_id, str(row.new_serial))
        if old is None:
            unknown += 1
        elif CredentialBinding.objects.filter(lookup=new_lookup).exists():
            already += 1
        else:
            _link(old, PendingCredential(kind=old.kind, lookup=new_lookup, not_after=None), actor=actor, source=source)
            linked += 1
    return LinkageReport(linked=linked, unknown=unknown, already=already)


@transaction.atomic(durable=True)
def credential_used(*, binding_id: int) -> None:
    CredentialBinding.objects.filter(pk=binding_id).update(last_used_at=timezone.now())


@transaction.atomic(durable=True)
def resident_delete_account(*, user: User, actor: Actor) -> list[str]:
    """Delete the person, their bindings and the account. Resident rows stay with only the pairwise ID, so
    ledger entries and audit records that name them remain valid and every hash chain still verifies."""
    person = Person.objects.select_for_update().filter(user=user).first()
    if person is None:
        raise NotFound("identity.resident_not_found", ja="住民が見つかりません。", en="No such resident.")
    now = timezone.now()
    residencies = list(person.residencies.all())
    for resident in residencies:
        resident.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
        audit_record(
            tag=IdentityEvent.RESIDENT_DELETED,
            actor=actor,
            subject=f"resident:{resident.pairwise_id}",
            data={},
            municipality=resident.municipality_id,
        )
    person.residencies.filter(status=ResidentStatus.ACTIVE).update(
        status=ResidentStatus.DELETED, ended_at=now, person=None
    )
    person.residencies.update(status=ResidentStatus.DELETED, person=None)
    person.credentials.all().delete()
    person.delete()
    user.delete()
    return [r.pairwise_id for r in residencies]


@transaction.atomic(durable=True)
def resident_rename(*, user: User, display_name: str, actor: Actor) -> None:
    """The resident chooses how Hiroba shows their name (a nickname is fine). Never an Individual Number."""
    name = " ".join(display_name.split())
    ensure_no_individual_number(name, field="display_name")
    if not 1 <= len(name) <= MAX_DISPLAY_NAME:
        raise Invalid(
            "identity.display_name_length",
            ja=f"表示名は1〜{MAX_DISPLAY_NAME}文字で入力してください。",
            en=f"The display name must be 1 to {MAX_DISPLAY_NAME} characters.",
        )
    user.full_name = name
    user.save(update_fields=["full_name"])
    resident = user.person.residencies.filter(status=ResidentStatus.ACTIVE).first()
    audit_record(
        tag=IdentityEvent.RESIDENT_RENAMED,
        actor=actor,
        subject=f"resident:{resident.pairwise_id}" if resident else f"user:{user.public_id}",
        municipality=resident.municipality_id if resident else None,
    )
