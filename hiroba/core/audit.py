"""Writing and checking the audit log. Every security-relevant act calls `audit_record` in its own transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from hiroba.core.auditchain import GENESIS, LINK_VERSION, PLATFORM_CHAIN, Break, Link, check_json, verify_links
from hiroba.core.bulk import link_hash_sql
from hiroba.core.errors import AppError
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


_MOVE_HEAD = (
    "UPDATE core_auditchain SET prev_hash = last_hash, last_seq = last_seq + 1, "
    "last_hash = {link} WHERE key = %s RETURNING key, last_seq, prev_hash, last_hash"
)
_RECORD_COLUMNS = "chain, seq, prev_hash, hash, occurred_at, actor, acting_for, channel, tag, subject, data, version"


def _append(link: Link, body_digest: str) -> tuple[int, int, str, str] | None:
    """Move the chain's head and insert the record: (record id, seq, previous hash, hash), or None when the chain
    has no head yet. One statement on PostgreSQL; SQLite, which has no data-modifying WITH, takes two."""
    move_head = _MOVE_HEAD.format(link=link_hash_sql("last_hash", "(last_seq + 1)", "%s"))
    at = connection.ops.adapt_datetimefield_value(link.occurred_at)
    fields = [at, link.actor, link.acting_for, link.channel, link.tag, link.subject, json.dumps(link.data)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH head AS ({move_head}) INSERT INTO core_auditrecord ({_RECORD_COLUMNS}) "  # noqa: S608
                "SELECT key, last_seq, prev_hash, last_hash, %s, %s, %s, %s, %s, %s, %s::jsonb, %s FROM head "
                "RETURNING id, seq, prev_hash, hash",
                [body_digest, link.chain, *fields, link.version],
            )
            row = cursor.fetchone()
            return None if row is None else (int(row[0]), int(row[1]), str(row[2]), str(row[3]))
        cursor.execute(move_head, [body_digest, link.chain])
        head = cursor.fetchone()
        if head is None:
            return None
        cursor.execute(
            f"INSERT INTO core_auditrecord ({_RECORD_COLUMNS}) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [*head, *fields, link.version],
        )
        (record_id,) = cursor.fetchone()
        return int(record_id), int(head[1]), str(head[2]), str(head[3])


def audit_record(
    *,
    tag: str,
    actor: Actor,
    subject: models.Model | str,
    data: Mapping[str, Any] | None = None,
    municipality: str | None = None,
) -> AuditRecord:
    """Append one record to the municipality's chain (or the platform chain) inside the caller's transaction.

    The record's body is hashed here; the database moves the chain head and computes the link's hash in the same
    statement that inserts the record (`hiroba.core.auditchain`, format 2), so the head is locked from that one
    statement to the commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the act it records")
    if ":" not in tag:
        raise ValueError(f"audit tag {tag!r} is not namespaced")
    payload = dict(data or {})
    check_json(payload)
    link = Link(
        chain=municipality or PLATFORM_CHAIN,
        seq=0,
        prev_hash="",
        occurred_at=timezone.now(),
        actor=actor.ref,
        acting_for=actor.acting_for,
        channel=actor.channel,
        tag=str(tag),
        subject=subject_ref(subject),
        data=payload,
        version=LINK_VERSION,
    )
    body_digest = link.body_digest()
    appended = _append(link, body_digest)
    if appended is None:  # the chain's first record
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO core_auditchain (key, last_seq, last_hash, prev_hash) VALUES (%s, 0, %s, %s) "
                "ON CONFLICT (key) DO NOTHING",
                [link.chain, GENESIS, GENESIS],
            )
        appended = _append(link, body_digest)
    if appended is None:
        raise RuntimeError(f"audit chain {link.chain}: the head could not be moved")
    record_id, seq, prev_hash, digest = appended
    return AuditRecord(
        id=record_id,
        chain_id=link.chain,
        seq=seq,
        occurred_at=link.occurred_at,
        actor=link.actor,
        acting_for=link.acting_for,
        channel=link.channel,
        tag=link.tag,
        subject=link.subject,
        data=payload,
        prev_hash=prev_hash,
        hash=digest,
        version=link.version,
    )


@contextmanager
def refusals_recorded(
    *, tag: str, actor: Actor, subject: str, municipality: str | None, data: Mapping[str, Any] | None = None
) -> Iterator[None]:
    """Around an act (outside its transaction): an AppError it raises is audited under `tag` with its reason code,
    in a transaction of its own so that the record survives the act's rollback, then raised on."""
    try:
        yield
    except AppError as error:
        with transaction.atomic():
            audit_record(
                tag=tag,
                actor=actor,
                subject=subject,
                data={**(data or {}), "code": error.code},
                municipality=municipality,
            )
        raise


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
            version=r.version,
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
