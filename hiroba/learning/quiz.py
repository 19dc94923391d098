"""Scenario quizzes: loading and checking a quiz file, and grading a set of answers. Django-free and pure.

A quiz file (`courses/<slug>.quiz.toml`) has a `title`, a `pass_mark` (the number of correct answers needed) and
`[[questions]]`, each with an `id`, a `prompt` ("a resident at the counter asks …; what do you do?") and 3–4
`[[questions.choices]]`, each with an `id`, its `text`, `correct` (exactly one per question) and an `explanation`
shown after grading. Grading happens on the server only: the page never learns which choice is correct before the
answers are in.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIN_CHOICES = 3
MAX_CHOICES = 4
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class QuizError(ValueError):
    """The quiz file breaks a rule; the message says which question and why."""


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    prompt: str
    choices: tuple[Choice, ...]

    @property
    def answer(self) -> Choice:
        return next(c for c in self.choices if c.correct)

    def choice(self, choice_id: str | None) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True, slots=True)
class Quiz:
    slug: str
    title: str
    title_en: str
    pass_mark: int
    questions: tuple[Question, ...]

    @property
    def total(self) -> int:
        return len(self.questions)


@dataclass(frozen=True, slots=True)
class Result:
    question: Question
    chosen: Choice | None  # None: not answered (or an unknown choice id)

    @property
    def correct(self) -> bool:
        return self.chosen is not None and self.chosen.correct


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    total: int
    pass_mark: int
    results: tuple[Result, ...]

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark

    def answers(self) -> dict[str, str]:
        """question id → chosen choice id, for the attempts table (unanswered questions left out)."""
        return {r.question.id: r.chosen.id for r in self.results if r.chosen is not None}


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise QuizError(f"{where}: `{key}` must be a non-empty string")
    return value.strip()


def _id(table: Mapping[str, Any], where: str) -> str:
    value = _text(table, "id", where)
    if not ID_RE.fullmatch(value):
        raise QuizError(f"{where}: id {value!r} must be lower-case letters, digits and hyphens")
    return value


def _choice(table: Any, where: str) -> Choice:
    if not isinstance(table, dict):
        raise QuizError(f"{where}: a choice must be a table")
    cid = _id(table, where)
    correct = table.get("correct", False)
    if not isinstance(correct, bool):
        raise QuizError(f"{where}: `correct` must be true or false")
    return Choice(cid, _text(table, "text", where), correct, _text(table, "explanation", where))


def _question(table: Any, index: int) -> Question:
    where = f"question {index}"
    if not isinstance(table, dict):
        raise QuizError(f"{where}: must be a table")
    qid = _id(table, where)
    where = f"question {qid!r}"
    raw = table.get("choices")
    if not isinstance(raw, list) or not MIN_CHOICES <= len(raw) <= MAX_CHOICES:
        raise QuizError(f"{where}: needs {MIN_CHOICES}–{MAX_CHOICES} choices")
    choices = tuple(_choice(c, f"{where}, choice {k + 1}") for k, c in enumerate(raw))
    if len({c.id for c in choices}) != len(choices):
        raise QuizError(f"{where}: two choices share an id")
    if sum(c.correct for c in choices) != 1:
        raise QuizError(f"{where}: exactly one choice must be correct")
    return Question(qid, _text(table, "prompt", where), choices)


def quiz_parse(data: Mapping[str, Any], *, slug: str) -> Quiz:
    """A quiz from its TOML table, checked; QuizError says what is wrong."""
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise QuizError("a quiz needs at least one [[questions]]")
    questions = tuple(_question(q, k + 1) for k, q in enumerate(raw))
    if len({q.id for q in questions}) != len(questions):
        raise QuizError("two questions share an id")
    mark = data.get("pass_mark")
    if not isinstance(mark, int) or isinstance(mark, bool) or not 1 <= mark <= len(questions):
        raise QuizError(f"`pass_mark` must be a whole number from 1 to {len(questions)}")
    title = _text(data, "title", "quiz")
    title_en = data.get("title_en") or title
    return Quiz(slug, title, str(title_en), mark, questions)


def quiz_load(text: str, *, slug: str) -> Quiz:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QuizError(f"not valid TOML: {exc}") from exc
    return quiz_parse(data, slug=slug)


def quiz_grade(quiz: Quiz, answers: Mapping[str, str]) -> Grade:
    """Grade `answers` (question id → choice id). Unknown question ids are ignored; an unknown choice counts as
    unanswered. The score is the number of questions whose chosen choice is the correct one."""
    results = tuple(Result(q, q.choice(answers.get(q.id))) for q in quiz.questions)
    return Grade(sum(r.correct for r in results), quiz.total, quiz.pass_mark, results)
