"""Health facts kept for points: per-day step figures, the fact of a checkup, rule versions and what was granted.

Raw exports never reach the database: an upload is reduced to one row per day and source kind while it is read,
and then discarded. Checkup results never leave the importer; only the kind and the date are kept. Points
themselves live in the ledger; `Award` says which day, component and rule version each granted point was for.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    APPLE_HEALTH = "apple_health", _("Apple Health")
    HEALTH_CONNECT = "health_connect", _("Health Connect")
    GOOGLE_FIT = "google_fit", _("Google Fit")
    PARTNER = "partner", _("Partner service")
    PAPER = "paper", _("Paper pedometer log")


class EnteredBy(models.TextChoices):
    RESIDENT = "resident", _("The resident")
    STAFF = "staff", _("Counter staff")
    PROXY = "proxy", _("A proxy")
    PARTNER = "partner", _("A partner service")


class DayStatus(models.TextChoices):
    COUNTED = "counted", _("Counted")
    HELD = "held", _("Held for review")
    REJECTED = "rejected", _("Rejected after review")


class StepDay(models.Model):
    """One resident's steps on one local date from one kind of source, after overlapping devices are resolved
    (the larger device, never the sum). `device` is a keyed hash of the chosen device's name: names such as
    "花子のiPhone" carry personal names. A later import of the same day and origin replaces the figure."""

    resident = models.ForeignKey("identity.Resident", on_delete=models.CASCADE, related_name="step_days")
    day = models.DateField()
    origin = models.CharField(max_length=16, choices=Origin.choices)
    steps = models.PositiveIntegerField(help_text="automatically recorded steps: the figure points are based on")
    manual_steps = models.PositiveIntegerField(default=0, help_text="typed in by the person: shown, never rewarded")
    device = models.CharField(max_length=16, blank=True)
    max_per_minute = models.PositiveIntegerField(default=0)
    entered_by = models.CharField(max_length=10, choices=EnteredBy.choices)
    status = models.CharField(max_length=10, choices=DayStatus.choices, default=DayStatus.COUNTED)
    hold_reasons = models.JSONField(default=list, blank=True)
    reviewed_by = models.CharField(max_length=80, blank=True)
    review_reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["resident_id", "day", "origin"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "day", "origin"], name="stepday_one_per_origin"),
            models.CheckConstraint(
                condition=Q(status="counted") | ~Q(hold_reasons=[]), name="stepday_held_has_reasons"
            ),
        ]
        indexes = [models.Index(fields=["status", "day"], name="stepday_status_day")]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day} {self.origin}: {self.steps}"


class CheckupKind(models.TextChoices):
    TOKUTEI = "tokutei", _("Specific health checkup (特定健診)")
    GASTRIC = "gastric", _("Stomach cancer screening")
    LUNG = "lung", _("Lung cancer screening")
    COLORECTAL = "colorectal", _("Colorectal cancer screening")
    BREAST = "breast", _("Breast cancer screening")
    CERVICAL = "cervical", _("Cervical cancer screening")


class CheckupRecord(models.Model):
    """That a resident had a checkup of a kind on a day. Nothing else of the checkup is kept."""

    resident = models.ForeignKey("identity.Resident", on_delete=models.CASCADE, related_name="checkups")
    kind = models.CharField(max_length=12, choices=CheckupKind.choices)
    day = models.DateField()
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["resident_id", "day", "kind"]
        constraints = [models.UniqueConstraint(fields=["resident", "kind", "day"], name="checkup_once_a_day")]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.kind} {self.day}"


class MemberLink(models.Model):
    """The insurance section's link from an insurance card (keyed hash of insurer, symbol, number, 枝番) to a
    resident, so that checkup files can be matched without storing card numbers."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.CASCADE, related_name="+")
    member_key = models.CharField(max_length=64)
    resident = models.ForeignKey("identity.Resident", on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "member_key"], name="memberlink_one_per_card"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.member_key[:8]}"


class RuleVersion(models.Model):
    """A municipality's point rule from `valid_from` until the day before the next version's `valid_from`.
    Versions are never edited: a change is a new version from a later date."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    valid_from = models.DateField()
    document = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=80)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["municipality_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="ruleversion_number_unique"),
            models.UniqueConstraint(fields=["municipality", "valid_from"], name="ruleversion_from_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} v{self.number} from {self.valid_from}"


class Award(models.Model):
    """Points granted to a resident for one day and one component under one rule version, by the ledger journal
    `journal_key`. A later run for the same day adds a row for the difference; rows are never changed."""

    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    component = models.CharField(max_length=30)
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="awards")
    points = models.PositiveIntegerField()
    journal_key = models.CharField(max_length=120)
    run_on = models.DateField()

    class Meta:
        ordering = ["resident_id", "day", "component"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="award_points_positive"),
            models.UniqueConstraint(
                fields=["journal_key", "resident", "day", "component"], name="award_once_per_journal"
            ),
        ]
        indexes = [models.Index(fields=["resident", "day"], name="award_resident_day")]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day} {self.component}: {self.points}"


class Partner(models.Model):
    """A service that pushes step totals for its users in a town (a pedometer maker, a walking app). It signs
    each batch with HMAC-SHA256 under `secret`, which both sides hold, as webhook secrets are held."""

    slug = models.SlugField(max_length=40, primary_key=True)
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    secret = models.CharField(max_length=128)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.slug


class PartnerLink(models.Model):
    """A resident's account at a partner, linked by the resident (who typed the partner's user ID): kept as a keyed
    hash of that ID, never the ID itself."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="links")
    member = models.CharField(max_length=64)
    resident = models.ForeignKey("identity.Resident", on_delete=models.CASCADE, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "member"], name="partnerlink_one_per_member")]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.member[:8]}"


class PartnerNonce(models.Model):
    """Nonces of accepted batches: a replayed batch is refused. Kept for the timestamp window and then pruned."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "nonce"], name="partnernonce_once")]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.nonce}"
