from enum import StrEnum


class LearningEvent(StrEnum):
    """Audit tags of the learning app."""

    QUIZ_ATTEMPTED = "learning:quiz:attempted"
    ACTIVITY_COMPLETED = "learning:activity:completed"
    BADGE_ISSUED = "learning:badge:issued"
