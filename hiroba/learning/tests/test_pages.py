"""The learning pages through the Django test client: reading, the quiz form, the badge, the roll-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from hiroba.identity.models import User
from hiroba.learning import openbadge
from hiroba.learning.catalog import course_find, quiz_for
from hiroba.learning.models import QuizAttempt, SectionRead
from hiroba.learning.tests.test_services import complete_course

pytestmark = pytest.mark.django_db
COURSE = "/learning/mynumber-card/"


def _answers(*, right: int) -> dict[str, str]:
    course = course_find("mynumber-card")
    assert course is not None
    quiz = quiz_for(course.quiz_slug)
    return {
        f"q-{q.id}": (q.answer.id if k < right else next(c.id for c in q.choices if not c.correct))
        for k, q in enumerate(quiz.questions)
    }


def test_anonymous_visitors_are_sent_to_sign_in_and_residents_refused(demo: object, client: Client) -> None:
    response = client.get("/learning/")
    assert response.status_code == 302
    assert "login" in response["Location"]

    client.force_login(User.objects.create_user(username="resident-y", full_name="見本 住子"))
    response = client.get(COURSE)
    assert response.status_code == 403
    assert b"learning.staff_only" in response.content


def test_staff_home_links_to_learning_and_learning_lists_the_course(demo: object, login: Any) -> None:
    client = login("saku-health")
    assert b'href="/learning/"' in client.get("/staff/").content
    page = client.get("/learning/").content.decode()
    assert "マイナンバーカードでできること" in page
    assert 'href="/learning/mynumber-card/"' in page


def test_reading_page_by_page_marks_each_read_and_ends_at_the_quiz(demo: object, login: Any) -> None:
    client = login("saku-health")
    course = course_find("mynumber-card")
    assert course is not None
    last = len(course.sections)

    page = client.get(f"{COURSE}2/").content.decode()
    assert "<table>" in page  # the section's Markdown table, rendered
    assert "利用者証明用電子証明書" in page

    response = client.post(f"{COURSE}2/")
    assert response.status_code == 302
    assert response["Location"] == f"{COURSE}3/"
    response = client.post(f"{COURSE}{last}/")
    assert response["Location"] == f"{COURSE}quiz/"
    assert set(SectionRead.objects.values_list("section", flat=True)) == {2, last}
    assert client.get(f"{COURSE}{last + 1}/").status_code == 404
    assert client.get("/learning/no-such-course/").status_code == 404


def test_the_quiz_form_reveals_nothing_before_grading(demo: object, login: Any) -> None:
    page = login("saku-health").get(f"{COURSE}quiz/").content.decode()
    quiz = quiz_for("mynumber-card")
    assert page.count('<fieldset class="field" id="q-') == quiz.total
    assert page.count('type="radio"') == sum(len(q.choices) for q in quiz.questions)
    for question in quiz.questions:
        for choice in question.choices:
            assert choice.explanation not in page


def test_a_failed_then_passed_quiz_is_graded_on_the_server(demo: object, login: Any) -> None:
    client = login("saku-health")
    quiz = quiz_for("mynumber-card")

    # a wrong sheet, with a forged "score" the server ignores
    failed = client.post(f"{COURSE}quiz/", {**_answers(right=1), "score": str(quiz.total), "passed": "true"})
    text = failed.content.decode()
    assert failed.status_code == 200
    score = re.search(r'id="score">([^<]*)<', text)
    assert score is not None
    assert re.findall(r"\d+", score.group(1))[:2] == ["1", str(quiz.total)]
    wrong = next(c for c in quiz.questions[1].choices if not c.correct)
    assert wrong.explanation in text  # each answer's explanation is shown
    assert 'id="quiz-form"' in text  # try again

    passed = client.post(f"{COURSE}quiz/", _answers(right=quiz.total))
    assert 'id="quiz-form"' not in passed.content.decode()
    assert list(QuizAttempt.objects.order_by("pk").values_list("score", "passed")) == [(1, False), (quiz.total, True)]


def test_an_unanswered_question_is_refused_beside_the_form(demo: object, login: Any) -> None:
    answers = _answers(right=8)
    answers.pop(next(iter(answers)))
    response = login("saku-health").post(f"{COURSE}quiz/", answers)
    assert response.status_code == 422
    assert b"learning.quiz.unanswered" in response.content
    assert not QuizAttempt.objects.exists()


def test_the_badge_is_issued_once_complete_and_verifies_with_the_published_key(demo: object, login: Any) -> None:
    client = login("saku-counter")
    assert b'id="missing"' in client.get(f"{COURSE}badge/").content
    assert client.post(f"{COURSE}badge/").status_code == 409
    assert client.get(f"{COURSE}badge.jwt").status_code == 404

    complete_course("saku-counter")
    response = client.post(f"{COURSE}badge/")
    assert response.status_code == 302
    page = client.get(f"{COURSE}badge/").content.decode()
    assert 'id="badge-jwt"' in page

    download = client.get(f"{COURSE}badge.jwt")
    assert download["Content-Type"] == "application/vc+jwt"
    assert download["Content-Disposition"].endswith('.jwt"')
    token = download.content.decode()
    anonymous = Client()
    issuer = anonymous.get("/learning/issuer.json").json()
    assert issuer["type"] == ["Profile"]
    assert issuer["id"].endswith("/learning/issuer.json")
    credential = openbadge.credential_verify(token, issuer["publicKey"])
    assert credential["credentialSubject"]["achievement"]["name"] == "マイナンバーカードでできること"
    assert client.get(f"{COURSE}badge.json").json() == credential


def test_the_admin_sees_the_rollup_and_other_towns_are_refused(demo: object, login: Any) -> None:
    complete_course("saku-counter")
    page = login("saku-admin").get("/staff/m/202177/learning/").content.decode()
    assert 'id="rollup-town"' in page
    assert "見本 さくら" in page
    assert "市民課" in page
    assert 'href="/staff/m/202177/learning/"' in login("saku-admin").get("/learning/").content.decode()

    for username in ("komoro-admin", "saku-counter"):
        response = login(username).get("/staff/m/202177/learning/")
        assert response.status_code == 403
        assert b"tenancy.forbidden" in response.content
