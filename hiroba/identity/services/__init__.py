"""Writes for identity. Other apps call only what is re-exported here.

Sub-modules: `accounts` (accounts for staff and merchants), `residents` (enrollment, bindings, moves, deletion),
`jpki` (card challenge–response), `oidc` (the Digital Authentication App), `passkeys` (staff and merchant passkeys,
invitations, e-mail codes), `sessions` (sign-in, time-outs, sign-out everywhere), `throttle` (abuse limits),
`testrig` (the card-less test rig).
"""

from hiroba.identity.services.accounts import user_create
from hiroba.identity.services.consents import consent_grant, consent_withdraw
from hiroba.identity.services.jpki import (
    CardProof,
    challenge_issue,
    crl_load,
    jpki_enrollment_offer,
    jpki_sign_in,
)
from hiroba.identity.services.passkeys import (
    email_code_send,
    email_code_verify,
    invitation_create,
    passkey_authenticate,
    passkey_delete,
    passkey_register,
    passkey_rename,
)
from hiroba.identity.services.residents import (
    credential_linkage_import,
    resident_delete_account,
    resident_enroll,
    resident_move,
    resident_rename,
)
from hiroba.identity.services.sessions import (
    session_idle_left,
    session_sign_in,
    session_sign_out,
    session_sign_out_everywhere,
    session_touch,
)

__all__ = [
    "CardProof",
    "challenge_issue",
    "consent_grant",
    "consent_withdraw",
    "credential_linkage_import",
    "crl_load",
    "email_code_send",
    "email_code_verify",
    "invitation_create",
    "jpki_enrollment_offer",
    "jpki_sign_in",
    "passkey_authenticate",
    "passkey_delete",
    "passkey_register",
    "passkey_rename",
    "resident_delete_account",
    "resident_enroll",
    "resident_move",
    "resident_rename",
    "session_idle_left",
    "session_sign_in",
    "session_sign_out",
    "session_sign_out_everywhere",
    "session_touch",
    "user_create",
]
