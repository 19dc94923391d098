"""Django-free health-point rule engine: the versioned rule document and pure evaluation over daily facts.

`document` reads and writes a municipality's rule (format version 1, `RULE_SCHEMA`); `evaluate` turns a rule and
a resident's history into awards. Nothing here touches the database or the ledger.
"""

from hiroba.core.fiscal import fiscal_year_end, fiscal_year_start
from hiroba.health.rules.document import (
    CHECKUP_KINDS,
    FORMAT_VERSION,
    MAX_LATE_SYNC_DAYS,
    RULE_SCHEMA,
    SENIOR_AGE,
    Caps,
    Problem,
    Rule,
    RuleInvalid,
    StepTier,
    Streak,
    parse_rule,
)
from hiroba.health.rules.evaluate import (
    COMPONENTS,
    FIRST_PARTICIPATION,
    STEPS,
    STREAK,
    Checkup,
    DayAward,
    DueAward,
    History,
    RuleVersion,
    Simulation,
    age_on,
    award_for_day,
    awards_due,
    checkup_component,
    points_lapse_on,
    simulate,
)

__all__ = [
    "CHECKUP_KINDS",
    "COMPONENTS",
    "FIRST_PARTICIPATION",
    "FORMAT_VERSION",
    "MAX_LATE_SYNC_DAYS",
    "RULE_SCHEMA",
    "SENIOR_AGE",
    "STEPS",
    "STREAK",
    "Caps",
    "Checkup",
    "DayAward",
    "DueAward",
    "History",
    "Problem",
    "Rule",
    "RuleInvalid",
    "RuleVersion",
    "Simulation",
    "StepTier",
    "Streak",
    "age_on",
    "award_for_day",
    "awards_due",
    "checkup_component",
    "fiscal_year_end",
    "fiscal_year_start",
    "parse_rule",
    "points_lapse_on",
    "simulate",
]
