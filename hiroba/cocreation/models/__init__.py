"""The standing workshop's structured layer (issue 8): theme spaces open to the staff of every municipality and the
agency, ideas with a problem and a proposal, supports (one per staff member; the count that matters is how many
municipalities support), comments with replies and arguments for and against, and the search index over them.

Texts are stored as typed and always rendered escaped. Authors are staff accounts; `municipality` is the author's
town when they posted (NULL for the agency), kept so that counts by municipality survive staff moving in April.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_idea_id() -> str:
    return "id_" + secrets.token_hex(8)


class Space(models.Model):
    """A theme (e.g. マイナンバーカードの活用, 窓口DX), open to every municipality's staff and the agency."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class IdeaStatus(models.TextChoices):
    OPEN = "open", _("Open for discussion")
    IN_PROGRESS = "in_progress", _("Being worked on")
    DONE = "done", _("Done")
    CLOSED = "closed", _("Closed")


class Idea(models.Model):
    id = models.CharField(max_length=20, primary_key=True, default=new_idea_id, editable=False)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="ideas")
    author = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    problem = models.TextField()
    proposal = models.TextField()
    services = models.JSONField(default=list, help_text="The services the idea affects (short labels).")
    status = models.CharField(max_length=12, choices=IdeaStatus.choices, default=IdeaStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IdeaStatus.values), name="cocreation_idea_status"),
            models.CheckConstraint(condition=~Q(title=""), name="cocreation_idea_title"),
        ]

    def __str__(self) -> str:
        return self.id


class Support(models.Model):
    """One staff member's support of an idea (at most one each, by constraint)."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="cocreation_support_once")]

    def __str__(self) -> str:
        return f"{self.idea_id}+{self.user_id}"


class Stance(models.TextChoices):
    COMMENT = "comment", _("Comment")
    FOR = "for", _("Argument for")
    AGAINST = "against", _("Argument against")


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stance = models.CharField(max_length=8, choices=Stance.choices, default=Stance.COMMENT)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="cocreation_comment_stance"),
            models.CheckConstraint(condition=~Q(body=""), name="cocreation_comment_body"),
        ]

    def __str__(self) -> str:
        return f"{self.idea_id}#{self.pk}"


def new_problem_id() -> str:
    return "pb_" + secrets.token_hex(8)


class CounterProblem(models.Model):
    """窓口のお困りごと: a short report of a problem at a counter, which other municipalities mark "うちもです"
    (same here); ranked by the number of municipalities affected, and linked to the ideas that address it."""

    id = models.CharField(max_length=20, primary_key=True, default=new_problem_id, editable=False)
    author = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    ideas = models.ManyToManyField(Idea, blank=True, related_name="problems")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(summary=""), name="cocreation_problem_summary")]

    def __str__(self) -> str:
        return self.id


class SameHere(models.Model):
    """A municipality affected by a counter problem: one mark per municipality (the agency marks none)."""

    problem = models.ForeignKey(CounterProblem, on_delete=models.CASCADE, related_name="same_here")
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["problem", "municipality"], name="cocreation_same_here_once_per_town")
        ]

    def __str__(self) -> str:
        return f"{self.problem_id}+{self.municipality_id}"


class SearchKind(models.TextChoices):
    IDEA = "idea", _("Idea")
    PROBLEM = "problem", _("Counter problem")
    PROFILE = "profile", _("Staff profile")


class SearchEntry(models.Model):
    """One searchable document (an idea, a counter problem, a profile), written by the service that writes the
    thing itself. SQLite indexes it with FTS5's trigram tokenizer (an external-content table kept in step by
    triggers), PostgreSQL with a pg_trgm GIN index: see migration 0002 and `search.py`."""

    kind = models.CharField(max_length=8, choices=SearchKind.choices)
    ref = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="cocreation_search_once"),
            models.CheckConstraint(condition=Q(kind__in=SearchKind.values), name="cocreation_search_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


# The other parts of the app's schema, in modules of their own (imported last: they refer to the models above).
from hiroba.cocreation.models.requests import (  # noqa: E402
    FINAL_STATUSES,
    AgencyRequest,
    Attachment,
    Digest,
    Follow,
    FollowKind,
    Hidden,
    ModerationReport,
    Notification,
    NotificationSetting,
    NotificationVerb,
    ReportTarget,
    RequestStatus,
    RequestUpdate,
)

__all__ = [
    "FINAL_STATUSES",
    "AgencyRequest",
    "Attachment",
    "Comment",
    "CounterProblem",
    "Digest",
    "Follow",
    "FollowKind",
    "Hidden",
    "Idea",
    "IdeaStatus",
    "ModerationReport",
    "Notification",
    "NotificationSetting",
    "NotificationVerb",
    "ReportTarget",
    "RequestStatus",
    "RequestUpdate",
    "SameHere",
    "SearchEntry",
    "SearchKind",
    "Space",
    "Stance",
    "Support",
]
from hiroba.cocreation.models import directory, workshops  # noqa: E402, F401 (workshops and the peer directory)
