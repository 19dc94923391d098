"""Writes of the card simulator: a walk through the resident's journey with a virtual My Number Card, in a sandbox
town of its own. Each journey step calls the owning app's own service — identity's enrollment, wallet's points,
conversion and QR payment, assist's proxies, voting's ballots — against the sandbox town only.

The services of each part live in modules of their own and are re-exported here: `sandbox` (the training town, its
shop, assisted resident and training CA, set up idempotently), `walks` (a walk's start, the order of its steps and
its completion), `card` (the virtual card: PIN and password tries, the counter's reset, the JPKI challenge answered
and verified with the training CA as the only anchor) and `steps` (the six steps of the journey).
"""

from hiroba.learning.simulator.services.card import card_counter_reset
from hiroba.learning.simulator.services.sandbox import (
    ASSISTED_BIRTH,
    ASSISTED_NAME,
    BUDGET,
    POLL_ANSWERS,
    POLL_QUESTION,
    PROXY_SCOPES,
    SANDBOX_ADDRESS,
    SANDBOX_AREA,
    SANDBOX_LG_CODE,
    SANDBOX_NAME,
    SANDBOX_NAME_EN,
    SANDBOX_NAME_KANA,
    SHOP_NAME,
    SHOP_ROMAN,
    TRAINING_POINTS,
    simulator_sandbox_ensure,
)
from hiroba.learning.simulator.services.steps import (
    enrollment_pending,
    notice_digest_text,
    shop_payload,
    step_convert,
    step_enroll_consent,
    step_enroll_sign,
    step_pay,
    step_proxy_accept,
    step_proxy_offer,
    step_sign_in,
    step_vote,
)
from hiroba.learning.simulator.services.walks import walk_complete, walk_start

__all__ = [
    "ASSISTED_BIRTH",
    "ASSISTED_NAME",
    "BUDGET",
    "POLL_ANSWERS",
    "POLL_QUESTION",
    "PROXY_SCOPES",
    "SANDBOX_ADDRESS",
    "SANDBOX_AREA",
    "SANDBOX_LG_CODE",
    "SANDBOX_NAME",
    "SANDBOX_NAME_EN",
    "SANDBOX_NAME_KANA",
    "SHOP_NAME",
    "SHOP_ROMAN",
    "TRAINING_POINTS",
    "card_counter_reset",
    "enrollment_pending",
    "notice_digest_text",
    "shop_payload",
    "simulator_sandbox_ensure",
    "step_convert",
    "step_enroll_consent",
    "step_enroll_sign",
    "step_pay",
    "step_proxy_accept",
    "step_proxy_offer",
    "step_sign_in",
    "step_vote",
    "walk_complete",
    "walk_start",
]
