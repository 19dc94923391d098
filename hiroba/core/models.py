from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from hiroba.core.auditchain import GENESIS, LINK_VERSION


class Channel(models.TextChoices):
    WEB = "web", "web"
    API = "api", "api"
    CLI = "cli", "cli"
    COUNTER = "counter", "counter"
    SYSTEM = "system", "system"


class AuditChain(models.Model):
    """The head of one chain (a municipality's lg_code, or "platform"). Appending moves it in one UPDATE, which
    locks the row to the commit and computes the new hash; `prev_hash` keeps the hash it replaced so that the same
    statement can hand both ends of the new link to the record's INSERT."""

    key = models.CharField(max_length=16, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    prev_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(last_seq__gte=0), name="auditchain_seq_non_negative")]

    def __str__(self) -> str:
        return f"{self.key}@{self.last_seq}"


class AuditRecord(models.Model):
    """Append-only: a database trigger refuses UPDATE; a deleted row is found by `hiroba audit verify`."""

    chain = models.ForeignKey(AuditChain, on_delete=models.PROTECT, related_name="records", db_column="chain")
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=80)
    acting_for = models.CharField(max_length=80, blank=True, default="")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    tag = models.CharField(max_length=100)
    subject = models.CharField(max_length=120)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    version = models.PositiveSmallIntegerField(default=LINK_VERSION, help_text="hash format (hiroba.core.auditchain)")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="auditrecord_one_record_per_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="auditrecord_seq_positive"),
            models.CheckConstraint(condition=Q(version__in=[1, LINK_VERSION]), name="auditrecord_known_version"),
            models.CheckConstraint(
                condition=Q(Exact(Length("hash"), 64)) & Q(Exact(Length("prev_hash"), 64)),
                name="auditrecord_hashes_sha256",
            ),
            models.CheckConstraint(condition=Q(tag__contains=":"), name="auditrecord_tag_namespaced"),
        ]
        indexes = [models.Index(fields=["tag", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.seq} {self.tag}"


class IdempotentRequest(models.Model):
    """The stored answer to a mutating API request, replayed when the client retries with the same key."""

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotentrequest_one_per_key")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
