"""A municipality's health-point rule as a declarative JSON document (format version 1), and its validator.

The document is what staff edit and what is stored with each rule version. `parse_rule` turns it into a frozen
`Rule` or raises `RuleInvalid` listing every problem with its JSON path; `Rule.dump` gives the canonical document
back, so `parse_rule(rule.dump()) == rule`. `RULE_SCHEMA` describes the same format as JSON Schema (draft 2020-12)
for the editor and the API docs; ascending tiers and the order of the caps are checked by `parse_rule` only.

Numbers must be JSON integers: booleans and floats (even `1.0`) are refused. Optional keys take these defaults:
no 65+ tiers (everyone uses `step_tiers`), no caps, no checkup bonus, points do not lapse, no streak, no
first-participation bonus, `late_sync_days` 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORMAT_VERSION = 1
CHECKUP_KINDS = ("tokutei", "gastric", "lung", "colorectal", "breast", "cervical")
"""特定健診, then the cancer screenings: 胃がん, 肺がん, 大腸がん, 乳がん, 子宮頸がん."""
SENIOR_AGE = 65
MAX_TIERS = 20
MAX_STEPS = 100_000
MAX_POINTS = 1_000_000
MAX_LATE_SYNC_DAYS = 30
MIN_STREAK_DAYS = 2
MAX_STREAK_DAYS = 366

_CHECKUP_NAMES_JA = {
    "tokutei": "特定健診",
    "gastric": "胃がん検診",
    "lung": "肺がん検診",
    "colorectal": "大腸がん検診",
    "breast": "乳がん検診",
    "cervical": "子宮頸がん検診",
}


@dataclass(frozen=True, slots=True)
class StepTier:
    """A day with at least `min_steps` steps earns `points` (the highest tier reached counts, not the sum)."""

    min_steps: int
    points: int


@dataclass(frozen=True, slots=True)
class Caps:
    """Upper limits; `None` means none. `daily` limits a day's step and streak points; `monthly` (calendar month)
    and `fiscal_year` (April–March) limit all points granted for days in that period, bonuses included."""

    daily: int | None = None
    monthly: int | None = None
    fiscal_year: int | None = None


@dataclass(frozen=True, slots=True)
class Streak:
    """`points` on every `days`-th consecutive qualifying day of a run (day N, 2N, 3N …); a day that does not
    qualify ends the run, and each fiscal year starts a new one."""

    days: int
    points: int


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed, valid rule; build it with `parse_rule`. `checkup_bonus` holds (kind, points) pairs in the order of
    `CHECKUP_KINDS`: each kind earns its points once per fiscal year."""

    step_tiers: tuple[StepTier, ...]
    step_tiers_65: tuple[StepTier, ...] | None = None
    caps: Caps = Caps()
    checkup_bonus: tuple[tuple[str, int], ...] = ()
    lapse_at_fiscal_year_end: bool = False
    streak: Streak | None = None
    first_participation_points: int | None = None
    late_sync_days: int = 0

    def tiers_for_age(self, age: int) -> tuple[StepTier, ...]:
        """The 65+ tiers from `SENIOR_AGE` on when the rule has them, else the general tiers."""
        if age >= SENIOR_AGE and self.step_tiers_65 is not None:
            return self.step_tiers_65
        return self.step_tiers

    def dump(self) -> dict[str, object]:
        """The canonical document: every key with a default is written out; optional features appear when set."""
        document: dict[str, object] = {
            "version": FORMAT_VERSION,
            "step_tiers": [_dump_tier(tier) for tier in self.step_tiers],
        }
        if self.step_tiers_65 is not None:
            document["step_tiers_65"] = [_dump_tier(tier) for tier in self.step_tiers_65]
        caps = {"daily": self.caps.daily, "monthly": self.caps.monthly, "fiscal_year": self.caps.fiscal_year}
        document["caps"] = {key: value for key, value in caps.items() if value is not None}
        document["checkup_bonus"] = dict(self.checkup_bonus)
        document["lapse_at_fiscal_year_end"] = self.lapse_at_fiscal_year_end
        if self.streak is not None:
            document["streak"] = {"days": self.streak.days, "points": self.streak.points}
        if self.first_participation_points is not None:
            document["first_participation"] = {"points": self.first_participation_points}
        document["late_sync_days"] = self.late_sync_days
        return document


def _dump_tier(tier: StepTier) -> dict[str, object]:
    return {"min_steps": tier.min_steps, "points": tier.points}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document. `path` is like `step_tiers[2].min_steps`; the empty path is the document."""

    path: str
    ja: str
    en: str


class RuleInvalid(ValueError):
    """The document is not a valid rule; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{problem.path or '(document)'}: {problem.en}" for problem in problems))
        self.problems = tuple(problems)


def _integer(minimum: int, maximum: int, title: str, description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": maximum, "title": title, "description": description}


def _points(title: str, description: str) -> dict[str, Any]:
    return _integer(1, MAX_POINTS, title, description)


def _object(properties: dict[str, Any], required: Sequence[str], title: str, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": title,
        "description": description,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _tiers_schema(min_items: int, title: str, description: str) -> dict[str, Any]:
    tier = _object(
        {
            "min_steps": _integer(1, MAX_STEPS, "歩数", "Fewest steps in the day for this tier."),
            "points": _points("ポイント", "Points for a day in this tier."),
        },
        ["min_steps", "points"],
        "段階",
        "One tier.",
    )
    return {
        "type": "array",
        "title": title,
        "description": description + " Both min_steps and points strictly ascending.",
        "minItems": min_items,
        "maxItems": MAX_TIERS,
        "items": tier,
    }


RULE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **_object(
        {
            "version": {"const": FORMAT_VERSION, "title": "書式の版", "description": "Document format version."},
            "step_tiers": _tiers_schema(0, "歩数の段階", "Step tiers; the highest tier reached counts."),
            "step_tiers_65": _tiers_schema(
                1,
                "65歳以上の歩数の段階",
                "Tiers for residents aged 65 or over on the day (birthday taken as the 1st of the birth month).",
            ),
            "caps": _object(
                {
                    "daily": _points("1日の上限", "Most step and streak points for one day."),
                    "monthly": _points("月の上限", "Most points of all kinds for days in one calendar month."),
                    "fiscal_year": _points("年度の上限", "Most points of all kinds for days in one fiscal year."),
                },
                [],
                "上限",
                "Caps; daily ≤ monthly ≤ fiscal_year where set.",
            ),
            "checkup_bonus": _object(
                {
                    kind: _points(_CHECKUP_NAMES_JA[kind], f"Bonus for a {kind} checkup, once per fiscal year.")
                    for kind in CHECKUP_KINDS
                },
                [],
                "健診・検診ボーナス",
                "Points per checkup kind, once per fiscal year per kind.",
            ),
            "lapse_at_fiscal_year_end": {
                "type": "boolean",
                "title": "年度末で失効",
                "description": "Points lapse on 31 March of the fiscal year of the day they were earned for.",
            },
            "streak": _object(
                {
                    "days": _integer(MIN_STREAK_DAYS, MAX_STREAK_DAYS, "連続日数", "Consecutive qualifying days."),
                    "points": _points("ポイント", "Bonus on every days-th day of a run."),
                },
                ["days", "points"],
                "連続達成ボーナス",
                "Bonus on every days-th consecutive qualifying day; runs restart each fiscal year.",
            ),
            "first_participation": _object(
                {"points": _points("ポイント", "Bonus on the resident's first qualifying day.")},
                ["points"],
                "初回参加ボーナス",
                "Once per resident, on the first qualifying day evaluated while a rule offers it.",
            ),
            "late_sync_days": _integer(
                0,
                MAX_LATE_SYNC_DAYS,
                "遅れて届いたデータの受付日数",
                "Daily runs, after the one on the next day, that still take late data for a day into account.",
            ),
        },
        ["version", "step_tiers"],
        "健康ポイントのルール",
        "A municipality's health-point rule, format version 1.",
    ),
}


_CAP_NAMES = {
    "daily": ("1日の上限", "daily cap"),
    "monthly": ("月の上限", "monthly cap"),
    "fiscal_year": ("年度の上限", "fiscal-year cap"),
}


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class _Reader:
    """Reads a document against `RULE_SCHEMA`, collecting problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, *, ja: str, en: str) -> None:
        self.problems.append(Problem(path, ja, en))

    def mapping(self, value: object, path: str, schema: Mapping[str, Any]) -> Mapping[str, object]:
        """An object with only the schema's keys and all its required ones; `{}` if it is not an object."""
        if not isinstance(value, dict):
            self.problem(path, ja="オブジェクト（{…}）で指定してください。", en="Must be an object ({…}).")
            return {}
        known: Mapping[str, Any] = schema["properties"]
        allowed = ", ".join(known)
        for key in value:
            if key not in known:
                self.problem(
                    _join(path, key),
                    ja=f"「{key}」は使えない項目です（使える項目：{allowed}）。",
                    en=f"Unknown key “{key}” (allowed: {allowed}).",
                )
        for key in schema["required"]:
            if key not in value:
                self.problem(_join(path, key), ja=f"「{key}」は必須です。", en=f"“{key}” is required.")
        return value

    def integer(self, fields: Mapping[str, object], path: str, key: str, schema: Mapping[str, Any]) -> int | None:
        """`fields[key]` checked against its schema; `None` when absent or not an integer."""
        if key not in fields:
            return None
        value = fields[key]
        where = _join(path, key)
        if type(value) is not int:
            self.problem(where, ja="整数で指定してください。", en="Must be a whole number.")
            return None
        low: int = schema["properties"][key]["minimum"]
        high: int = schema["properties"][key]["maximum"]
        if not low <= value <= high:
            self.problem(
                where, ja=f"{low:,}以上{high:,}以下で指定してください。", en=f"Must be between {low:,} and {high:,}."
            )
        return value

    def tiers(self, value: object, path: str, schema: Mapping[str, Any]) -> tuple[StepTier, ...]:
        if not isinstance(value, list):
            self.problem(path, ja="配列（[…]）で指定してください。", en="Must be a list ([…]).")
            return ()
        fewest, most = schema["minItems"], schema["maxItems"]
        if not fewest <= len(value) <= most:
            self.problem(
                path,
                ja=f"段階は{fewest}個以上{most}個以下にしてください。",
                en=f"Give between {fewest} and {most} tiers.",
            )
        tiers: list[StepTier] = []
        below = StepTier(min_steps=0, points=0)  # the previous tier, or its last readable values
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            fields = self.mapping(item, item_path, schema["items"])
            min_steps = self.integer(fields, item_path, "min_steps", schema["items"])
            points = self.integer(fields, item_path, "points", schema["items"])
            if index and min_steps is not None and min_steps <= below.min_steps:
                self.problem(
                    f"{item_path}.min_steps",
                    ja="歩数は前の段階より多くしてください。",
                    en="Each tier needs more steps than the one before.",
                )
            if index and points is not None and points <= below.points:
                self.problem(
                    f"{item_path}.points",
                    ja="ポイントは前の段階より多くしてください。",
                    en="Each tier must give more points than the one before.",
                )
            below = StepTier(
                min_steps=below.min_steps if min_steps is None else min_steps,
                points=below.points if points is None else points,
            )
            tiers.append(below)
        return tuple(tiers)

    def caps(self, value: object, schema: Mapping[str, Any]) -> Caps:
        fields = self.mapping(value, "caps", schema)
        caps = {key: self.integer(fields, "caps", key, schema) for key in _CAP_NAMES}
        for smaller, larger in (("daily", "monthly"), ("daily", "fiscal_year"), ("monthly", "fiscal_year")):
            low, high = caps[smaller], caps[larger]
            if low is not None and high is not None and low > high:
                (smaller_ja, smaller_en), (larger_ja, larger_en) = _CAP_NAMES[smaller], _CAP_NAMES[larger]
                self.problem(
                    f"caps.{smaller}",
                    ja=f"{smaller_ja}は{larger_ja}以下にしてください。",
                    en=f"The {smaller_en} must not exceed the {larger_en}.",
                )
        return Caps(**caps)

    def checkup_bonus(self, value: object, schema: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
        fields = self.mapping(value, "checkup_bonus", schema)
        bonus = ((kind, self.integer(fields, "checkup_bonus", kind, schema)) for kind in CHECKUP_KINDS)
        return tuple((kind, points) for kind, points in bonus if points is not None)

    def boolean(self, fields: Mapping[str, object], key: str) -> bool:
        value = fields.get(key, False)
        if not isinstance(value, bool):
            self.problem(key, ja="true か false で指定してください。", en="Must be true or false.")
            return False
        return value


def parse_rule(data: object) -> Rule:
    """The rule in `data` (a parsed JSON document), or `RuleInvalid` with every problem found.

    A document of another format version is refused on that alone, since its other keys may mean something else.
    Where a value is missing or wrong a placeholder stands in, so that reading goes on; any problem raises at the end.
    """
    reader = _Reader()
    properties: Mapping[str, Any] = RULE_SCHEMA["properties"]
    document = reader.mapping(data, "", RULE_SCHEMA)
    version = document.get("version", FORMAT_VERSION)
    if type(version) is not int or version != FORMAT_VERSION:
        raise RuleInvalid(
            [
                Problem(
                    "version",
                    f"対応している書式の版は{FORMAT_VERSION}だけです。",
                    f"Only format version {FORMAT_VERSION} is supported.",
                )
            ]
        )
    step_tiers = reader.tiers(document.get("step_tiers", []), "step_tiers", properties["step_tiers"])
    step_tiers_65 = None
    if "step_tiers_65" in document:
        step_tiers_65 = reader.tiers(document["step_tiers_65"], "step_tiers_65", properties["step_tiers_65"])
    streak = None
    if "streak" in document:
        schema = properties["streak"]
        fields = reader.mapping(document["streak"], "streak", schema)
        days = reader.integer(fields, "streak", "days", schema)
        points = reader.integer(fields, "streak", "points", schema)
        streak = Streak(days=days or MIN_STREAK_DAYS, points=points or 1)
    first_participation = None
    if "first_participation" in document:
        schema = properties["first_participation"]
        fields = reader.mapping(document["first_participation"], "first_participation", schema)
        first_participation = reader.integer(fields, "first_participation", "points", schema) or 1
    rule = Rule(
        step_tiers=step_tiers,
        step_tiers_65=step_tiers_65,
        caps=reader.caps(document.get("caps", {}), properties["caps"]),
        checkup_bonus=reader.checkup_bonus(document.get("checkup_bonus", {}), properties["checkup_bonus"]),
        lapse_at_fiscal_year_end=reader.boolean(document, "lapse_at_fiscal_year_end"),
        streak=streak,
        first_participation_points=first_participation,
        late_sync_days=reader.integer(document, "", "late_sync_days", RULE_SCHEMA) or 0,
    )
    if reader.problems:
        raise RuleInvalid(reader.problems)
    return rule
