"""Workshops: the day that started Hiroba, as a first-class object (Decidim's meetings, and its "proposal authored by
a meeting", are the model).

A workshop belongs to a theme space and moves draft → open for registration → running → published. Staff of any
municipality or the agency register (one registration each, capacity counted in the workshop row under a check
constraint, so two people cannot take the last seat); the organiser makes teams with a theme each, assigns the
registrants (one team per registrant: a unique column) and runs the presentations in order with a timer; team
members write idea cards during the session and their team's outcome; publishing turns every outcome into an
`Idea` of the space, linked from `Team.idea`.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hiroba.cocreation.models import Idea, Space


def new_workshop_id() -> str:
    return "ws_" + secrets.token_hex(8)


class WorkshopStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for registration")
    RUNNING = "running", _("Running")
    PUBLISHED = "published", _("Published")


# The only moves: forward, one step at a time (publishing is its own act: it writes the ideas).
NEXT_STATUS = {WorkshopStatus.DRAFT: WorkshopStatus.OPEN, WorkshopStatus.OPEN: WorkshopStatus.RUNNING}

MAX_CAPACITY = 500
MAX_MINUTES = 60


class Workshop(models.Model):
    id = models.CharField(max_length=20, primary_key=True, default=new_workshop_id, editable=False)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="workshops")
    title = models.CharField(max_length=200)
    agenda = models.TextField(blank=True)
    date = models.DateField()
    place = models.CharField(max_length=200)
    capacity = models.PositiveIntegerField()
    registered = models.PositiveIntegerField(default=0, help_text="Registrations, counted under a row lock.")
    organiser = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organiser's town (empty for the agency); its audit chain records the workshop.",
    )
    status = models.CharField(max_length=10, choices=WorkshopStatus.choices, default=WorkshopStatus.DRAFT)
    minutes_per_team = models.PositiveSmallIntegerField(default=5)
    presenting = models.ForeignKey(
        "cocreation.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    presenting_since = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=WorkshopStatus.values), name="cocreation_workshop_status"),
            models.CheckConstraint(condition=~Q(title=""), name="cocreation_workshop_title"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY), name="cocreation_workshop_capacity"
            ),
            models.CheckConstraint(condition=Q(registered__lte=F("capacity")), name="cocreation_workshop_not_full"),
            models.CheckConstraint(
                condition=Q(minutes_per_team__gte=1, minutes_per_team__lte=MAX_MINUTES),
                name="cocreation_workshop_minutes",
            ),
            models.CheckConstraint(
                condition=(Q(status=WorkshopStatus.PUBLISHED) & Q(published_at__isnull=False))
                | (~Q(status=WorkshopStatus.PUBLISHED) & Q(published_at__isnull=True)),
                name="cocreation_workshop_published_at",
            ),
        ]

    def __str__(self) -> str:
        return self.id


class Registration(models.Model):
    """One staff member at one workshop (once: a constraint), with the town they came from (NULL for the agency)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="cocreation_registration_once"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}+{self.user_id}"


class Team(models.Model):
    """A team of the workshop: a theme, its place in the presentation order, and its outcome (which publishing turns
    into `idea`)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=60)
    theme = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(help_text="Place in the presentation order, from 1.")
    presented_at = models.DateTimeField(null=True, blank=True, help_text="When the team last began to present.")
    outcome_title = models.CharField(max_length=200, blank=True)
    outcome_problem = models.TextField(blank=True)
    outcome_proposal = models.TextField(blank=True)
    outcome_services = models.JSONField(default=list, blank=True)
    idea = models.OneToOneField(Idea, null=True, blank=True, on_delete=models.PROTECT, related_name="workshop_team")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "order"], name="cocreation_team_order_once"),
            models.UniqueConstraint(fields=["workshop", "name"], name="cocreation_team_name_once"),
            models.CheckConstraint(condition=~Q(name=""), name="cocreation_team_name"),
            models.CheckConstraint(condition=~Q(theme=""), name="cocreation_team_theme"),
            models.CheckConstraint(condition=Q(order__gte=1), name="cocreation_team_order"),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}/{self.name}"

    @property
    def has_outcome(self) -> bool:
        return bool(self.outcome_title and self.outcome_problem and self.outcome_proposal)


class TeamMember(models.Model):
    """A registrant's team: one registration has at most one membership (a unique column), so nobody is in two
    teams of the same workshop. The service checks that the team and the registration share the workshop."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="membership")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["registration__created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.team_id}+{self.registration_id}"


MAX_CARD = 300


class IdeaCard(models.Model):
    """A sticky note written during the session by a team member (or the organiser)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="cards")
    author = models.ForeignKey("identity.User", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(max_length=MAX_CARD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="cocreation_ideacard_text")]

    def __str__(self) -> str:
        return f"{self.team_id}#{self.pk}"
