from enum import StrEnum


class CocreationEvent(StrEnum):
    """Audit tags of the co-creation app."""

    SPACE_CREATED = "cocreation:space:created"
    IDEA_POSTED = "cocreation:idea:posted"
    IDEA_SUPPORTED = "cocreation:idea:supported"
    COMMENT_ADDED = "cocreation:comment:added"
