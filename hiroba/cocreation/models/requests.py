"""Requests to the agency (要望), follows and notifications, moderation and attachments.

A request is an idea escalated to the Digital Agency. Its answers are an append-only list of official updates
(answer text, the status it sets, the reason when declined); the request row keeps the current status and the times
the tracker needs (escalated, first answered, closed), set by the service in the same transaction as the update.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hiroba.cocreation.models import Idea


def new_request_id() -> str:
    return "rq_" + secrets.token_hex(8)


class RequestStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("request status", "Received")  # 受付
    CONSIDERING = "considering", pgettext_lazy("request status", "Under consideration")  # 検討中
    PLANNED = "planned", pgettext_lazy("request status", "Planned")  # 対応予定
    DONE = "done", pgettext_lazy("request status", "Done")  # 対応済
    DECLINED = "declined", pgettext_lazy("request status", "Not possible")  # 対応困難 (with a reason)


FINAL_STATUSES = frozenset({RequestStatus.DONE, RequestStatus.DECLINED})


class AgencyRequest(models.Model):
    """要望: an idea escalated to the agency (at most once per idea)."""

    id = models.CharField(max_length=20, primary_key=True, default=new_request_id, editable=False)
    idea = models.OneToOneField(Idea, on_delete=models.PROTECT, related_name="request")
    escalated_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    escalated_at = models.DateTimeField()
    first_answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["escalated_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="cocreation_request_status"),
            # closed exactly when the status is final; answered no earlier than escalated
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, status__in=["received", "considering", "planned"])
                | Q(closed_at__isnull=False, status__in=["done", "declined"]),
                name="cocreation_request_closed",
            ),
            models.CheckConstraint(
                condition=Q(first_answered_at__isnull=True) | Q(first_answered_at__gte=F("escalated_at")),
                name="cocreation_request_answer_after",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class RequestUpdate(models.Model):
    """One official answer from the agency: the text, the status it sets, and the reason when declined."""

    request = models.ForeignKey(AgencyRequest, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=RequestStatus.choices)
    answer = models.TextField()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="cocreation_update_status"),
            models.CheckConstraint(condition=~Q(answer=""), name="cocreation_update_answer"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(reason=""), name="cocreation_update_declined_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.pk}"


class FollowKind(models.TextChoices):
    IDEA = "idea", _("Idea")
    PROBLEM = "problem", _("Counter problem")
    SPACE = "space", _("Space")
    USER = "user", _("Person")
    TOPIC = "topic", _("Topic")


class Follow(models.Model):
    """A staff member follows an idea, a problem, a space, a person or a topic (a short label)."""

    user = models.ForeignKey("identity.User", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=FollowKind.choices)
    ref = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "ref"], name="cocreation_follow_target")]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "ref"], name="cocreation_follow_once"),
            models.CheckConstraint(condition=Q(kind__in=FollowKind.values), name="cocreation_follow_kind"),
            models.CheckConstraint(condition=~Q(ref=""), name="cocreation_follow_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}->{self.kind}:{self.ref}"


class NotificationVerb(models.TextChoices):
    IDEA_POSTED = "idea_posted", _("New idea")
    COMMENTED = "commented", _("New comment")
    ESCALATED = "escalated", _("Sent to the agency")
    ANSWERED = "answered", _("The agency answered")
    SAME_HERE = "same_here", _("Another town has the same problem")
    IDEA_FROM_PROBLEM = "idea_from_problem", _("An idea addresses the problem")
    HIDDEN = "hidden", _("Hidden by a moderator")


class Notification(models.Model):
    """One thing a follower should know. Shown in the app; sent in the daily or weekly digest (`emailed_at`)."""

    user = models.ForeignKey("identity.User", on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=20, choices=NotificationVerb.choices)
    kind = models.CharField(max_length=8, choices=FollowKind.choices)
    ref = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="cocreation_notice_unread")]
        constraints = [
            models.CheckConstraint(condition=Q(verb__in=NotificationVerb.values), name="cocreation_notice_verb"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.verb}:{self.ref}"


class Digest(models.TextChoices):
    NONE = "none", _("No e-mail")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class NotificationSetting(models.Model):
    """How a staff member wants notifications by e-mail (no row: weekly)."""

    user = models.OneToOneField("identity.User", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=8, choices=Digest.choices, default=Digest.WEEKLY)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(digest__in=Digest.values), name="cocreation_digest")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.digest}"


class ReportTarget(models.TextChoices):
    IDEA = "idea", _("Idea")
    COMMENT = "comment", _("Comment")
    PROBLEM = "problem", _("Counter problem")
    CARD = "card", _("Idea card")  # ref: the IdeaCard's pk
    PROFILE = "profile", _("Staff profile")  # ref: its user's public id (as the profile's URL)


class ModerationReport(models.Model):
    """A staff member's report of a post (once per person and post); the agency's moderators handle them."""

    reporter = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=ReportTarget.choices)
    ref = models.CharField(max_length=40)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "kind", "ref"], name="cocreation_report_once"),
            models.CheckConstraint(condition=Q(kind__in=ReportTarget.values), name="cocreation_report_kind"),
            models.CheckConstraint(condition=~Q(reason=""), name="cocreation_report_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


class Hidden(models.Model):
    """A post hidden by a moderator, with the reason shown in its place. Showing it again deletes the row; both
    acts are in the audit chain with the reason."""

    kind = models.CharField(max_length=8, choices=ReportTarget.choices)
    ref = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    moderator = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="cocreation_hidden_once"),
            models.CheckConstraint(condition=Q(kind__in=ReportTarget.values), name="cocreation_hidden_kind"),
            models.CheckConstraint(condition=~Q(reason=""), name="cocreation_hidden_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


class Attachment(models.Model):
    """A file attached to an idea: PDF, PNG or JPEG as its content says (never its name), stored by its SHA-256."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/png", "image/jpeg"]),
                name="cocreation_attachment_type",
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=5 * 1024 * 1024), name="cocreation_attachment_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.idea_id}/{self.name}"
