from enum import StrEnum


class IdentityEvent(StrEnum):
    """Audit tags of the identity app."""

    RESIDENT_ENROLLED = "identity:resident:enrolled"
    RESIDENT_RENAMED = "identity:resident:renamed"
    RESIDENT_MOVED = "identity:resident:moved"  # platform chain only: links the old and new pairwise IDs
    RESIDENT_MOVED_OUT = "identity:resident:moved-out"
    RESIDENT_MOVED_IN = "identity:resident:moved-in"
    RESIDENT_DELETED = "identity:resident:deleted"
    CONSENT_GRANTED = "identity:consent:granted"
    CONSENT_WITHDRAWN = "identity:consent:withdrawn"
    CREDENTIAL_LINKED = "identity:credential:linked"
    CRL_LOADED = "identity:crl:loaded"
    SIGNIN_RESIDENT = "identity:signin:resident"
    SIGNIN_PASSKEY = "identity:signin:passkey"
    SIGNIN_EMAIL_CODE = "identity:signin:email-code"
    SIGNIN_PASSWORD = "identity:signin:password"  # noqa: S105 (an audit tag, not a password)
    SIGNIN_FAILED = "identity:signin:failed"
    SIGNED_OUT_EVERYWHERE = "identity:session:signed-out-everywhere"
    INVITATION_CREATED = "identity:invitation:created"
    PASSKEY_REGISTERED = "identity:passkey:registered"
    PASSKEY_REGISTRATION_FAILED = "identity:passkey:registration-failed"
    PASSKEY_RENAMED = "identity:passkey:renamed"
    PASSKEY_DELETED = "identity:passkey:deleted"
    EMAIL_CODE_SENT = "identity:email-code:sent"
