"""Help for residents who are not good with digital: counter-assisted sessions, proxies (代理人), the support-measure
flag (支援措置), how each resident wants to hear from the town, and opt-in outreach (見守り).

Every act done for a resident carries who acted, for whom and through which channel in the audit log; the rows here
are what the counter, the resident and the proxy see.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(8)


def new_session_id() -> str:
    return _new_id("as_")


def new_delegation_id() -> str:
    return _new_id("dg_")


class SessionState(models.TextChoices):
    OPEN = "open", _("Open")
    ENDED = "ended", _("Ended")


class AssistSession(models.Model):
    """A counter clerk acting for a resident who signed in with their own card at the staff terminal. Time-boxed;
    the resident's consent and the reason are recorded when it opens."""

    id = models.CharField(max_length=20, primary_key=True, default=new_session_id, editable=False)
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="assist_sessions")
    reason = models.CharField(max_length=200)
    consent_text_digest = models.CharField(max_length=64, help_text="SHA-256 of the consent wording shown")
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=SessionState.choices, default=SessionState.OPEN)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("started_at")), name="assistsession_expires_after"),
            models.CheckConstraint(condition=~Q(reason=""), name="assistsession_reason_given"),
            models.CheckConstraint(
                condition=Q(state="open", ended_at__isnull=True) | Q(state="ended", ended_at__isnull=False),
                name="assistsession_ended_has_time",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "started_at"])]

    def __str__(self) -> str:
        return self.id


class AssistAct(models.Model):
    """One thing done in a counter session, as the take-home receipt lists it. `data` holds figures only."""

    session = models.ForeignKey(AssistSession, on_delete=models.PROTECT, related_name="acts")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.kind}"


class Scope(models.TextChoices):
    BALANCE = "balance", _("See the balance")
    CONVERT = "convert", _("Convert points")
    PAY_CARD = "pay_card", _("Pay with the resident's printed card")
    PAPER_STEPS = "paper_steps", _("Enter paper step logs")


class DelegationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended pending review")
    REVOKED = "revoked", _("Revoked")


class Basis(models.TextChoices):
    RESIDENT = "resident", _("Registered by the resident")
    COUNTER = "counter", _("Registered at the counter with documents")


class Delegation(models.Model):
    """A proxy (another signed-in person) may act for a resident within scopes until `ends_on` (inclusive).
    The resident alone can revoke it at any time; a proxy never votes."""

    id = models.CharField(max_length=20, primary_key=True, default=new_delegation_id, editable=False)
    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="delegations")
    proxy = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="proxy_for")
    scopes = models.JSONField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    basis = models.CharField(max_length=10, choices=Basis.choices)
    evidence = models.CharField(max_length=100, blank=True, help_text="document type seen at the counter")
    status = models.CharField(max_length=10, choices=DelegationStatus.choices, default=DelegationStatus.ACTIVE)
    status_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "revoked"]), name="delegation_status_known"
            ),
            models.CheckConstraint(
                condition=Q(basis="resident") | ~Q(evidence=""), name="delegation_counter_has_evidence"
            ),
            models.UniqueConstraint(
                fields=["resident", "proxy"],
                condition=Q(status__in=["active", "suspended"]),
                name="delegation_one_live_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class ProxyInvitation(models.Model):
    """A delegation offered by the resident (or the counter, with documents) and waiting for the proxy to accept it
    with their own sign-in. Only a hash of the code handed to the proxy is kept."""

    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="proxy_invitations")
    scopes = models.JSONField()
    ends_on = models.DateField()
    basis = models.CharField(max_length=10, choices=Basis.choices)
    evidence = models.CharField(max_length=100, blank=True)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField()
    delegation = models.OneToOneField(
        Delegation, on_delete=models.PROTECT, null=True, blank=True, related_name="invitation"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="proxyinvitation_expires_after"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class SupportMeasure(models.Model):
    """住民基本台帳の支援措置 (DV, stalking): while set, nobody new becomes the resident's proxy, existing proxies
    are suspended for review, and the resident is left out of outreach lists."""

    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="support_measures")
    set_at = models.DateTimeField()
    set_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(lifted_at__isnull=True), name="supportmeasure_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.set_at:%Y-%m-%d}"


class ContactChannel(models.TextChoices):
    APP = "app", _("In the app")
    SMS = "sms", _("Text message (SMS)")
    LETTER = "letter", _("Letter by post")
    PHONE = "phone", _("Phone call")


class ContactPreference(models.Model):
    """How the resident wants to hear from the town. The phone number is kept only for SMS and phone, the postal
    address only for letters: Hiroba holds no address otherwise."""

    resident = models.OneToOneField("identity.Resident", on_delete=models.CASCADE, related_name="contact")
    channel = models.CharField(max_length=8, choices=ContactChannel.choices, default=ContactChannel.APP)
    phone = models.CharField(max_length=15, blank=True)
    postal_code = models.CharField(max_length=8, blank=True)
    address = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["app", "letter"]) | ~Q(phone=""), name="contactpreference_phone_for_calls"
            ),
            models.CheckConstraint(
                condition=~Q(channel="letter") | (~Q(postal_code="") & ~Q(address="")),
                name="contactpreference_address_for_letters",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.channel}"


class OutreachEnrollment(models.Model):
    """A resident who opted in to be looked after (見守り). Only they appear on call lists."""

    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, related_name="outreach")
    opted_in_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(withdrawn_at__isnull=True), name="outreach_one_open_per_resident"
            ),
        ]

    def __str__(self) -> str:
        return str(self.resident_id)


class Outcome(models.TextChoices):
    CALLED = "called", _("Called")
    VISITED = "visited", _("Visited")
    NO_ANSWER = "no_answer", _("No answer")
    RESOLVED = "resolved", _("Resolved")


class OutreachContact(models.Model):
    """One logged contact with an enrolled resident, with a follow-up date when another is due."""

    enrollment = models.ForeignKey(OutreachEnrollment, on_delete=models.PROTECT, related_name="contacts")
    at = models.DateTimeField()
    staff = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.outcome}"
