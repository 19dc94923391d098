"""The peer directory (仲間づくり): a staff member's profile — topics they work on, what they can help with, whether
they mentor — and who may see it.

Municipality and department are not copied here: they are read from the staff member's `tenancy.Staff` row, so a
profile follows its owner when they move in April. Privacy is decided in the selectors (`selectors/directory.py`);
only a profile visible to all staff is in the search index.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    ALL = "all", _("All staff on Hiroba")
    TOWN = "town", _("Only staff of my own municipality")
    HIDDEN = "hidden", _("Nobody (hidden)")


MAX_TOPICS = 10
MAX_TOPIC = 40
MAX_HELP = 1000


class StaffProfile(models.Model):
    user = models.OneToOneField("identity.User", on_delete=models.CASCADE, related_name="cocreation_profile")
    can_help = models.TextField(blank=True, help_text="What they can help colleagues with.")
    mentor = models.BooleanField(default=False)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TOWN)
    show_name = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="cocreation_profile_visibility")
        ]

    def __str__(self) -> str:
        return f"profile:{self.user_id}"


class ProfileTopic(models.Model):
    """One topic label of a profile (e.g. 窓口, 地域通貨): a row each, so the directory filters by topic in SQL."""

    profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="topics")
    label = models.CharField(max_length=MAX_TOPIC)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "label"], name="cocreation_topic_once"),
            models.CheckConstraint(condition=~Q(label=""), name="cocreation_topic_label"),
        ]
        indexes = [models.Index(fields=["label"], name="cocreation_topic_label_idx")]

    def __str__(self) -> str:
        return self.label
