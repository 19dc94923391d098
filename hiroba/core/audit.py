"""Writing and checking the audit log. Every security-relevant act calls `audit_record` in its own transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils import timezone

from hiroba.core.auditchain import PLATFORM_CHAIN, Break, Link, check_json, verify_links
from hiroba.core.models import AuditChain, AuditRecord, Channel

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hiroba.identity.models import User


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, through which channel, and for whom. Services receive it as `actor=`."""

    user: User | None
    channel: Channel
    ref: str = "system"  # what the audit record keeps: a pseudonymous reference, never a name
    acting_for: str = ""

    @classmethod
    def for_user(cls, user: User, *, channel: Channel) -> Actor:
        return cls(user=user, channel=channel, ref=f"user:{user.public_id}")

    @classmethod
    def from_request(cls, request: HttpRequest, *, channel: Channel = Channel.WEB) -> Actor:
        user = request.user
        if not user.is_authenticated:
            return cls(user=None, channel=channel, ref="anonymous")
        return cls.for_user(user, channel=channel)

    @classmethod
    def command_line(cls) -> Actor:
        return cls(user=None, channel=Channel.CLI, ref="operator")


def subject_ref(subject: models.Model | str) -> str:
    if isinstance(subject, str):
        return subject
    return f"{subject._meta.label_lower}:{subject.pk}"


def audit_record(
    *,
    tag: str,
    actor: Actor,
    subject: models.Model | str,
    data: Mapping[str, Any] | None = None,
    municipality: str | None = None,
) -> AuditRecord:
    """Append one record to the municipality's chain (or the platform chain) inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the act it records")
    if ":" not in tag:
        raise ValueError(f"audit tag {tag!r} is not namespaced")
    payload = dict(data or {})
    check_json(payload)
    head, _ = AuditChain.objects.select_for_update().get_or_create(key=municipality or PLATFORM_CHAIN)
    link = Link(
        chain=head.key,
        seq=head.last_seq + 1,
        prev_hash=head.last_hash,
        occurred_at=timezone.now(),
        actor=actor.ref,
        acting_for=actor.acting_for,
        channel=actor.channel,
        tag=str(tag),
        subject=subject_ref(subject),
        data=payload,
    )
    digest = link.digest()
    record = AuditRecord.objects.create(
        chain=head,
        seq=link.seq,
        occurred_at=link.occurred_at,
        actor=link.actor,
        acting_for=link.acting_for,
        channel=link.channel,
        tag=link.tag,
        subject=link.subject,
        data=payload,
        prev_hash=link.prev_hash,
        hash=digest,
    )
    AuditChain.objects.filter(pk=head.pk).update(last_seq=link.seq, last_hash=digest)
    return record


def _links(chain: str) -> Iterator[Link]:
    rows = AuditRecord.objects.filter(chain_id=chain).order_by("seq")
    for r in rows.iterator(chunk_size=2000):
        yield Link(
            chain=r.chain_id,
            seq=r.seq,
            prev_hash=r.prev_hash,
            occurred_at=r.occurred_at,
            actor=r.actor,
            acting_for=r.acting_for,
            channel=r.channel,
            tag=r.tag,
            subject=r.subject,
            data=r.data,
            hash=r.hash,
        )


def audit_verify(*, chains: list[str] | None = None) -> tuple[dict[str, int], list[Break]]:
    """Recompute every chain. Returns the record count per chain and every break found."""
    heads = AuditChain.objects.order_by("key")
    if chains:
        heads = heads.filter(key__in=chains)
    counts: dict[str, int] = {}
    breaks: list[Break] = []
    for head in heads:
        counts[head.key] = head.last_seq
        breaks.extend(verify_links(head.key, _links(head.key), head_seq=head.last_seq, head_hash=head.last_hash))
    return counts, breaks
