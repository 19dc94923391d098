"""The rule document: parsing, every refusal with its path, the canonical dump, and the schema in step with both."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given

from hiroba.health.rules import (
    CHECKUP_KINDS,
    RULE_SCHEMA,
    Caps,
    Rule,
    RuleInvalid,
    StepTier,
    Streak,
    parse_rule,
)
from hiroba.health.rules.tests.strategies import rules

FULL: dict[str, Any] = {
    "version": 1,
    "step_tiers": [
        {"min_steps": 2000, "points": 1},
        {"min_steps": 5000, "points": 3},
        {"min_steps": 8000, "points": 5},
    ],
    "step_tiers_65": [{"min_steps": 1000, "points": 1}, {"min_steps": 4000, "points": 3}],
    "caps": {"daily": 10, "monthly": 200, "fiscal_year": 1500},
    "checkup_bonus": {"tokutei": 500, "gastric": 100, "lung": 100, "colorectal": 100, "breast": 100, "cervical": 100},
    "lapse_at_fiscal_year_end": True,
    "streak": {"days": 7, "points": 10},
    "first_participation": {"points": 50},
    "late_sync_days": 7,
}

JAPANESE = re.compile(r"[ぁ-んァ-ン一-龥]")
MINIMAL: dict[str, Any] = {"version": 1, "step_tiers": []}

# Where each object of the schema sits in a document, with the least it needs to be valid.
OBJECTS: dict[str, dict[str, Any]] = {
    "": MINIMAL,
    "step_tiers[0]": {"min_steps": 1, "points": 1},
    "step_tiers_65[0]": {"min_steps": 1, "points": 1},
    "caps": {},
    "checkup_bonus": {},
    "streak": {"days": 2, "points": 1},
    "first_participation": {"points": 1},
}


def problems(document: object) -> dict[str, str]:
    """Path → English message of every problem `parse_rule` finds."""
    with pytest.raises(RuleInvalid) as raised:
        parse_rule(document)
    return {problem.path: problem.en for problem in raised.value.problems}


def schema_objects(schema: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every object schema inside `schema`, with its path in a document (array items as `[0]`)."""
    if schema.get("type") == "object":
        yield path, schema
        for key, child in schema["properties"].items():
            yield from schema_objects(child, f"{path}.{key}" if path else key)
    if schema.get("type") == "array":
        yield from schema_objects(schema["items"], f"{path}[0]")


def document_with(path: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A minimal valid document except that the object at `path` holds exactly `fields`."""
    if not path:
        return fields
    key, _, rest = path.partition("[")
    return {**MINIMAL, key: [fields] if rest else fields}


def valid_sample(schema: Mapping[str, Any], path: str) -> object:
    """A value the schema allows at `path`."""
    if "const" in schema:
        return schema["const"]
    samples: dict[str, object] = {
        "integer": schema.get("minimum"),
        "boolean": True,
        "array": [OBJECTS.get(f"{path}[0]")] * schema.get("minItems", 0),
        "object": OBJECTS.get(path),
    }
    return samples[schema["type"]]


# Parsing


def test_full_document_parses_and_dumps_back_unchanged() -> None:
    # when
    rule = parse_rule(FULL)
    # then
    assert rule == Rule(
        step_tiers=(StepTier(2000, 1), StepTier(5000, 3), StepTier(8000, 5)),
        step_tiers_65=(StepTier(1000, 1), StepTier(4000, 3)),
        caps=Caps(daily=10, monthly=200, fiscal_year=1500),
        checkup_bonus=tuple(FULL["checkup_bonus"].items()),
        lapse_at_fiscal_year_end=True,
        streak=Streak(days=7, points=10),
        first_participation_points=50,
        late_sync_days=7,
    )
    assert rule.dump() == FULL
    assert list(rule.dump()) == list(RULE_SCHEMA["properties"])


def test_minimal_document_takes_the_defaults_and_dumps_them() -> None:
    rule = parse_rule(MINIMAL)
    assert rule == Rule(step_tiers=())
    assert rule.dump() == {
        "version": 1,
        "step_tiers": [],
        "caps": {},
        "checkup_bonus": {},
        "lapse_at_fiscal_year_end": False,
        "late_sync_days": 0,
    }


def test_checkup_bonus_is_kept_in_the_canonical_kind_order() -> None:
    rule = parse_rule({**MINIMAL, "checkup_bonus": {"cervical": 5, "tokutei": 10}})
    assert rule.checkup_bonus == (("tokutei", 10), ("cervical", 5))


def test_tiers_for_age_switch_at_65_only_when_the_rule_has_senior_tiers() -> None:
    rule = parse_rule(FULL)
    assert rule.tiers_for_age(64) == rule.step_tiers
    assert rule.tiers_for_age(65) == rule.step_tiers_65
    assert parse_rule(MINIMAL).tiers_for_age(80) == ()


# Refusals


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"step_tiers": [{"min_steps": 2000, "points": True}]}, "step_tiers[0].points", "Must be a whole number."),
        ({"step_tiers": [{"min_steps": 2000.0, "points": 1}]}, "step_tiers[0].min_steps", "Must be a whole number."),
        ({"step_tiers": [{"min_steps": 0, "points": 1}]}, "step_tiers[0].min_steps", "Must be between 1 and 100,000."),
        ({"step_tiers": [{"min_steps": 1, "points": -1}]}, "step_tiers[0].points", "Must be between 1 and 1,000,000."),
        ({"step_tiers": {"min_steps": 1}}, "step_tiers", "Must be a list ([…])."),
        ({"step_tiers": [3]}, "step_tiers[0]", "Must be an object ({…})."),
        ({"step_tiers": [{"points": 1}]}, "step_tiers[0].min_steps", "“min_steps” is required."),
        (
            {"step_tiers": [{"min_steps": n, "points": n} for n in range(1, 22)]},
            "step_tiers",
            "Give between 0 and 20 tiers.",
        ),
        ({"step_tiers_65": []}, "step_tiers_65", "Give between 1 and 20 tiers."),
        ({"caps": {"daily": 0}}, "caps.daily", "Must be between 1 and 1,000,000."),
        ({"caps": {"weekly": 5}}, "caps.weekly", "Unknown key “weekly” (allowed: daily, monthly, fiscal_year)."),
        ({"caps": {"daily": 11, "monthly": 10}}, "caps.daily", "The daily cap must not exceed the monthly cap."),
        (
            {"caps": {"daily": 11, "fiscal_year": 10}},
            "caps.daily",
            "The daily cap must not exceed the fiscal-year cap.",
        ),
        (
            {"caps": {"monthly": 11, "fiscal_year": 10}},
            "caps.monthly",
            "The monthly cap must not exceed the fiscal-year cap.",
        ),
        ({"checkup_bonus": {"dental": 5}}, "checkup_bonus.dental", "Unknown key “dental”"),
        ({"checkup_bonus": {"tokutei": "500"}}, "checkup_bonus.tokutei", "Must be a whole number."),
        ({"lapse_at_fiscal_year_end": 1}, "lapse_at_fiscal_year_end", "Must be true or false."),
        ({"streak": {"days": 1, "points": 5}}, "streak.days", "Must be between 2 and 366."),
        ({"streak": {"days": 7}}, "streak.points", "“points” is required."),
        ({"first_participation": 50}, "first_participation", "Must be an object ({…})."),
        ({"first_participation": {"points": 50, "once": True}}, "first_participation.once", "Unknown key “once”"),
        ({"late_sync_days": 31}, "late_sync_days", "Must be between 0 and 30."),
        ({"late_sync_days": None}, "late_sync_days", "Must be a whole number."),
        ({"bonus": 1}, "bonus", "Unknown key “bonus” (allowed: version, step_tiers,"),
    ],
)
def test_each_problem_is_reported_at_its_path(change: dict[str, Any], path: str, message: str) -> None:
    # given
    document = {**FULL, **change}
    # when
    found = problems(document)
    # then
    assert list(found) == [path]
    assert found[path].startswith(message)


def test_tiers_must_ascend_in_steps_and_points() -> None:
    document = {
        **MINIMAL,
        "step_tiers": [
            {"min_steps": 2000, "points": 1},
            {"min_steps": 5000, "points": 3},
            {"min_steps": 5000, "points": 3},
            {"min_steps": 9000, "points": 2},
        ],
    }
    assert problems(document) == {
        "step_tiers[2].min_steps": "Each tier needs more steps than the one before.",
        "step_tiers[2].points": "Each tier must give more points than the one before.",
        "step_tiers[3].points": "Each tier must give more points than the one before.",
    }


def test_a_bad_value_does_not_also_break_the_order_of_the_tiers() -> None:
    document = {**MINIMAL, "step_tiers": [{"min_steps": 5000, "points": 3}, {"min_steps": "x", "points": 4}]}
    assert list(problems(document)) == ["step_tiers[1].min_steps"]


def test_every_problem_is_reported_at_once_in_both_languages() -> None:
    # given
    document = {"step_tiers": "none", "caps": {"daily": False}, "extra": 1, "late_sync_days": -1}
    # when
    with pytest.raises(RuleInvalid) as raised:
        parse_rule(document)
    # then
    found = raised.value.problems
    assert [problem.path for problem in found] == ["extra", "version", "step_tiers", "caps.daily", "late_sync_days"]
    assert all(JAPANESE.search(problem.ja) and not JAPANESE.search(problem.en) for problem in found)
    assert str(raised.value).startswith("extra: Unknown key “extra”")


@pytest.mark.parametrize("data", [None, [], "rule", 1])
def test_a_document_that_is_not_an_object_is_refused(data: object) -> None:
    assert problems(data) == {"": "Must be an object ({…})."}


@pytest.mark.parametrize("version", [2, "1", True, 1.0])
def test_another_format_version_is_refused_on_that_alone(version: object) -> None:
    assert problems({**FULL, "version": version, "step_tiers": "ignored"}) == {
        "version": "Only format version 1 is supported."
    }


def test_keys_that_are_not_strings_are_unknown_keys() -> None:
    document: dict[object, object] = {"version": 1, "step_tiers": [], 7: 1}
    assert list(problems(document)) == ["7"]


# The schema agrees with the validator


def test_the_schema_declares_draft_2020_12_and_every_object_is_listed_here() -> None:
    assert RULE_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {path for path, _ in schema_objects(RULE_SCHEMA)} == set(OBJECTS)
    assert all(schema["additionalProperties"] is False for _, schema in schema_objects(RULE_SCHEMA))
    assert all(set(OBJECTS[path]) == set(schema["required"]) for path, schema in schema_objects(RULE_SCHEMA))


def test_the_full_example_uses_every_key_of_the_schema() -> None:
    def keys(schema: Mapping[str, Any], value: Any) -> Iterator[bool]:
        if schema.get("type") == "object":
            for key, child in schema["properties"].items():
                yield key in value
                if key in value:
                    yield from keys(child, value[key])
        if schema.get("type") == "array":
            yield bool(value)
            for item in value:
                yield from keys(schema["items"], item)

    assert all(keys(RULE_SCHEMA, FULL))
    parse_rule(FULL)


@pytest.mark.parametrize(
    ("path", "key"),
    [(path, key) for path, schema in schema_objects(RULE_SCHEMA) for key in schema["properties"]],
)
def test_every_key_in_the_schema_is_accepted_alone(path: str, key: str) -> None:
    # given
    schema = dict(schema_objects(RULE_SCHEMA))[path]
    key_path = f"{path}.{key}" if path else key
    fields = {**OBJECTS[path], key: valid_sample(schema["properties"][key], key_path)}
    # when
    rule = parse_rule(document_with(path, fields))
    # then
    assert isinstance(rule, Rule)


@pytest.mark.parametrize("path", list(OBJECTS))
def test_unknown_keys_are_refused_at_every_level(path: str) -> None:
    document = document_with(path, {**OBJECTS[path], "surprise": 1})
    found = problems(document)
    surprise = f"{path}.surprise" if path else "surprise"
    assert list(found) == [surprise]
    assert "“surprise”" in found[surprise]


@pytest.mark.parametrize("path", [path for path, schema in schema_objects(RULE_SCHEMA) if schema["required"]])
def test_required_keys_of_the_schema_are_required(path: str) -> None:
    schema = dict(schema_objects(RULE_SCHEMA))[path]
    for key in schema["required"]:
        fields = {name: value for name, value in OBJECTS[path].items() if name != key}
        key_path = f"{path}.{key}" if path else key
        assert problems(document_with(path, fields)) == {key_path: f"“{key}” is required."}


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (path, key)
        for path, schema in schema_objects(RULE_SCHEMA)
        for key, child in schema["properties"].items()
        if child.get("type") == "integer"
    ],
)
def test_integer_bounds_of_the_schema_are_the_validators(path: str, key: str) -> None:
    # given
    bounds = dict(schema_objects(RULE_SCHEMA))[path]["properties"][key]
    low, high = bounds["minimum"], bounds["maximum"]
    key_path = f"{path}.{key}" if path else key

    def with_value(value: int) -> dict[str, Any]:
        return document_with(path, {**OBJECTS[path], key: value})

    # then
    parse_rule(with_value(low))
    parse_rule(with_value(high))
    assert list(problems(with_value(low - 1))) == [key_path]
    assert list(problems(with_value(high + 1))) == [key_path]


def test_checkup_kinds_in_the_schema_are_the_known_kinds() -> None:
    assert tuple(RULE_SCHEMA["properties"]["checkup_bonus"]["properties"]) == CHECKUP_KINDS


def test_the_schema_is_json() -> None:
    assert json.loads(json.dumps(RULE_SCHEMA)) == RULE_SCHEMA


# Properties


@given(rules(full_range=True))
def test_dump_round_trips_through_json(rule: Rule) -> None:
    document = json.loads(json.dumps(rule.dump()))
    assert parse_rule(document) == rule
    assert parse_rule(document).dump() == document
