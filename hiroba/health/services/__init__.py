"""Writes of the health app: step and checkup imports, consents to sources, rule versions, awards, reviews."""

from hiroba.health.refusals import rule_check
from hiroba.health.services.awards import TownRun, award_run
from hiroba.health.services.checkups import CheckupSummary, checkups_import, member_links_import
from hiroba.health.services.partners import BatchSummary, partner_batch_accept, partner_link, partner_nonces_prune
from hiroba.health.services.review import day_review
from hiroba.health.services.rules import rule_version_add
from hiroba.health.services.steps import ImportSummary, paper_steps_enter, steps_delete, steps_import
from hiroba.health.sources import consent_purpose

__all__ = [
    "BatchSummary",
    "CheckupSummary",
    "ImportSummary",
    "TownRun",
    "award_run",
    "checkups_import",
    "consent_purpose",
    "day_review",
    "member_links_import",
    "paper_steps_enter",
    "partner_batch_accept",
    "partner_link",
    "partner_nonces_prune",
    "rule_check",
    "rule_version_add",
    "steps_delete",
    "steps_import",
]
