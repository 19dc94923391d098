"""The health app's refusals, as the platform's errors (a reason code, Japanese and English), and the rule check
that the editor, the simulation and adoption share."""

from __future__ import annotations

from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.health import rules
from hiroba.health.importers.base import ImportRefused


def refused(error: ImportRefused) -> Invalid:
    """An importer's refusal as a 422 naming the line, record or member."""
    detail = {"where": error.where} if error.where else None
    return Invalid(error.code, ja=error.ja, en=error.en, detail=detail)


def no_consent(source: str) -> PermissionDenied:
    return PermissionDenied(
        "health.no_consent",
        ja="このデータの利用に同意していません。同意してから取り込んでください。",
        en="There is no consent to use this source. Give consent first.",
        detail={"source": source},
    )


def rule_invalid(error: rules.RuleInvalid) -> Invalid:
    return Invalid(
        "health.rule_invalid",
        ja="ルールに誤りがあります。",
        en="The rule has problems.",
        detail={"problems": [{"path": p.path, "ja": p.ja, "en": p.en} for p in error.problems]},
    )


def rule_check(document: object) -> rules.Rule:
    """The parsed rule, or a 422 listing every problem with its path."""
    try:
        return rules.parse_rule(document)
    except rules.RuleInvalid as error:
        raise rule_invalid(error) from None
