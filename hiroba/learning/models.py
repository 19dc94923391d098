"""Staff learning progress (issue 8, part 2): which sections of which course a staff member has read, their quiz
attempts (append-only), the activities they completed outside a course page (the card simulator) and the completion
badges issued to them.

Courses and quizzes are files in the repository (`hiroba/learning/courses/`), so rows name them by slug. Progress
belongs to a `tenancy.Staff` member: staff of municipalities and of the agency take courses, residents never do.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan

SLUG_MAX = 40


def _slug_shape(field: str, name: str) -> models.CheckConstraint:
    """A non-empty lower-case slug (the same shape the service checks with a regular expression)."""
    return models.CheckConstraint(
        condition=Q(GreaterThan(Length(field), 0)) & ~Q(**{f"{field}__contains": " "}), name=name
    )


class SectionRead(models.Model):
    """A staff member has read section `section` (1-based) of course `course`. One row per section, first read kept."""

    staff = models.ForeignKey("tenancy.Staff", on_delete=models.CASCADE, related_name="+")
    course = models.CharField(max_length=SLUG_MAX)
    section = models.PositiveSmallIntegerField()
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "section"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "course", "section"], name="learning_sectionread_once"),
            models.CheckConstraint(condition=Q(section__gte=1), name="learning_sectionread_section_positive"),
            _slug_shape("course", "learning_sectionread_course_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.course}#{self.section}"


class QuizAttempt(models.Model):
    """One graded submission of a course's quiz. Append-only: attempts are never changed, a new one is added."""

    staff = models.ForeignKey("tenancy.Staff", on_delete=models.CASCADE, related_name="+")
    course = models.CharField(max_length=SLUG_MAX)
    quiz = models.CharField(max_length=SLUG_MAX)
    score = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    pass_mark = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    answers = models.JSONField(default=dict, help_text="question id → the chosen choice id, as graded.")
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=1), name="learning_quizattempt_total_positive"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=F("total")), name="learning_quizattempt_score_in_range"
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1) & Q(pass_mark__lte=F("total")), name="learning_quizattempt_mark_in_range"
            ),
            models.CheckConstraint(
                condition=Q(passed=True, score__gte=F("pass_mark")) | Q(passed=False, score__lt=F("pass_mark")),
                name="learning_quizattempt_passed_iff_mark",
            ),
            _slug_shape("course", "learning_quizattempt_course_slug"),
        ]
        indexes = [models.Index(fields=["staff", "course"], name="learning_attempt_staff_course")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.quiz} {self.score}/{self.total}"


class ActivityCompletion(models.Model):
    """A staff member finished an activity (e.g. "simulator"). One row per staff member and activity."""

    staff = models.ForeignKey("tenancy.Staff", on_delete=models.CASCADE, related_name="+")
    activity = models.CharField(max_length=SLUG_MAX)
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["completed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "activity"], name="learning_activity_once_per_staff"),
            _slug_shape("activity", "learning_activity_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.activity}"


class BadgeIssue(models.Model):
    """The Open Badges 3.0 credential issued for one completed course: one per staff member and course. The signed
    compact JWS is kept as issued, so a second download returns the same credential."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey("tenancy.Staff", on_delete=models.CASCADE, related_name="+")
    course = models.CharField(max_length=SLUG_MAX)
    issued_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    jws = models.TextField()

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "course"], name="learning_badge_once_per_course"),
            models.CheckConstraint(condition=Q(GreaterThan(Length("jws"), 0)), name="learning_badge_has_jws"),
            _slug_shape("course", "learning_badge_course_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.course} {self.id}"
