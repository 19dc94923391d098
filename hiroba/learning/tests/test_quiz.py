"""Quiz files: loading and checking them, and grading (a pure rule, so Hypothesis checks it for any answers)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.learning.catalog import course_all, quiz_for
from hiroba.learning.quiz import Quiz, QuizError, quiz_grade, quiz_load, quiz_parse


def _choice(cid: str, *, correct: bool = False) -> dict[str, Any]:
    return {"id": cid, "text": f"選択肢{cid}", "correct": correct, "explanation": f"解説{cid}"}


def _question(qid: str, choices: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": qid,
        "prompt": "住民の方が窓口で…",
        "choices": choices or [_choice("a", correct=True), _choice("b"), _choice("c")],
    }


def _quiz(**overrides: Any) -> dict[str, Any]:
    return {"title": "確認テスト", "pass_mark": 1, "questions": [_question("q1"), _question("q2")], **overrides}


def test_the_first_courses_quiz_is_valid_and_has_six_to_eight_questions() -> None:
    for course in course_all():
        quiz = quiz_for(course.quiz_slug)
        assert 6 <= quiz.total <= 8
        assert 1 <= quiz.pass_mark <= quiz.total
        assert all(3 <= len(q.choices) <= 4 for q in quiz.questions)


REST = [_choice("b"), _choice("c")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_quiz(questions=[_question("q1", [_choice("a"), _choice("b"), _choice("c")])]), "exactly one"),
        (_quiz(questions=[_question("q1", [_choice("a", correct=True), _choice("b", correct=True), _choice("c")])]),
         "exactly one"),
        (_quiz(questions=[_question("q1", [_choice("a", correct=True), _choice("b")])]), "3–4 choices"),
        (_quiz(questions=[_question("q1", [_choice(x, correct=x == "a") for x in "abcde"])]), "3–4 choices"),
        (_quiz(questions=[_question("q1", [_choice("a", correct=True), _choice("a"), _choice("c")])]), "share an id"),
        (_quiz(questions=[_question("q1"), _question("q1")]), "share an id"),
        (_quiz(questions=[]), "at least one"),
        (_quiz(pass_mark=3), "pass_mark"),
        (_quiz(pass_mark=0), "pass_mark"),
        (_quiz(pass_mark=True), "pass_mark"),
        (_quiz(title=""), "title"),
        (_quiz(questions=[_question("Q 1")]), "lower-case"),
        (_quiz(questions=[_question("q1", [{**_choice("a", correct=True), "explanation": ""}, *REST])]), "explanation"),
        (_quiz(questions=[_question("q1", [{**_choice("a"), "correct": "yes"}, *REST])]), "true or false"),
    ],
)  # fmt: skip
def test_a_broken_quiz_is_refused_with_the_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(QuizError, match=message):
        quiz_parse(data, slug="t")


def test_a_quiz_file_that_is_not_toml_is_refused() -> None:
    with pytest.raises(QuizError, match="TOML"):
        quiz_load("title = ", slug="t")


@st.composite
def quizzes_and_answers(draw: st.DrawFn) -> tuple[Quiz, dict[str, str]]:
    count = draw(st.integers(min_value=1, max_value=8))
    questions = []
    for k in range(count):
        n = draw(st.integers(min_value=3, max_value=4))
        right = draw(st.integers(min_value=0, max_value=n - 1))
        questions.append(_question(f"q{k}", [_choice("abcd"[i], correct=i == right) for i in range(n)]))
    quiz = quiz_parse(_quiz(questions=questions, pass_mark=draw(st.integers(min_value=1, max_value=count))), slug="t")
    ids = [q.id for q in quiz.questions] + ["other"]
    answers = draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(["a", "b", "c", "d", "x", ""])))
    return quiz, answers


@given(case=quizzes_and_answers())
def test_the_score_is_the_number_of_correct_answers_for_any_answers(case: tuple[Quiz, dict[str, str]]) -> None:
    quiz, answers = case
    grade = quiz_grade(quiz, answers)
    expected = sum(1 for q in quiz.questions if answers.get(q.id) == q.answer.id)
    assert grade.score == expected
    assert 0 <= grade.score <= grade.total == quiz.total
    assert grade.passed == (expected >= quiz.pass_mark)
    assert sum(r.correct for r in grade.results) == expected
