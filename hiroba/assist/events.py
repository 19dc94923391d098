from enum import StrEnum


class AssistEvent(StrEnum):
    """Audit tags of the assist app. Records name residents by pairwise ID and never hold health figures."""

    SESSION_STARTED = "assist:session:started"
    SESSION_ENDED = "assist:session:ended"
    SESSION_REFUSED = "assist:session:refused"
    PROXY_OFFERED = "assist:proxy:offered"
    PROXY_REGISTERED = "assist:proxy:registered"
    PROXY_REFUSED = "assist:proxy:refused"
    PROXY_REVOKED = "assist:proxy:revoked"
    PROXY_SUSPENDED = "assist:proxy:suspended"
    PROXY_REVIEWED = "assist:proxy:reviewed"
    SUPPORT_MEASURE_SET = "assist:support_measure:set"
    SUPPORT_MEASURE_LIFTED = "assist:support_measure:lifted"
    OUTREACH_JOINED = "assist:outreach:joined"
    OUTREACH_LEFT = "assist:outreach:left"
    OUTREACH_CONTACT = "assist:outreach:contact"
    OUTREACH_EXPORTED = "assist:outreach:exported"
    OUTREACH_REFUSED = "assist:outreach:refused"
    CONTACT_CHANGED = "assist:contact:changed"
    LETTERS_PRINTED = "assist:letters:printed"
    MESSAGE_SENT = "assist:message:sent"
    BALANCE_SHOWN = "assist:balance:shown"
