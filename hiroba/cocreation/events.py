from enum import StrEnum


class CocreationEvent(StrEnum):
    """Audit tags of the co-creation app."""

    SPACE_CREATED = "cocreation:space:created"
    IDEA_POSTED = "cocreation:idea:posted"
    IDEA_SUPPORTED = "cocreation:idea:supported"
    COMMENT_ADDED = "cocreation:comment:added"
    PROBLEM_REPORTED = "cocreation:problem:reported"
    PROBLEM_SAME_HERE = "cocreation:problem:same-here"
    PROBLEM_LINKED = "cocreation:problem:linked"
    IDEA_EDITED = "cocreation:idea:edited"
    REQUEST_ESCALATED = "cocreation:request:escalated"
    REQUEST_ANSWERED = "cocreation:request:answered"
    POST_REPORTED = "cocreation:post:reported"
    POST_HIDDEN = "cocreation:post:hidden"
    POST_SHOWN = "cocreation:post:shown"
    ATTACHMENT_ADDED = "cocreation:attachment:added"
    DIGEST_SET = "cocreation:digest:set"
