from enum import StrEnum


class HealthEvent(StrEnum):
    """Audit tags of the health app. Records hold counts and references, never step figures or checkup data."""

    STEPS_IMPORTED = "health:steps:imported"
    STEPS_DELETED = "health:steps:deleted"
    DAY_REVIEWED = "health:day:reviewed"
    MEMBERS_LINKED = "health:members:linked"
    CHECKUPS_IMPORTED = "health:checkups:imported"
    RULE_ADDED = "health:rule:added"
    AWARDS_POSTED = "health:awards:posted"
