"""Issue 8's last "done when", in a real Chromium without JavaScript: a new staff member reads the whole first
course, fails then passes the quiz, walks the card simulator, receives the Open Badge and checks its signature; then
the town's admin sees it in the roll-up."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from hiroba.core.audit import Actor
from hiroba.identity.models import User
from hiroba.learning import openbadge
from hiroba.learning.catalog import Course, course_find, quiz_for
from hiroba.learning.quiz import Quiz
from hiroba.tenancy import services as tenancy
from hiroba.tenancy.models import Role
from tests.browser.test_simulator_in_browser import walk_simulator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _newcomer() -> User:
    """A staff member who joined Saku City's counter this month, registered the way the demo registers staff."""
    operator = Actor.command_line()
    staff = tenancy.staff_register(
        username="saku-newcomer", password=None, full_name="見本 新太", full_name_kana="みほん あらた", email="",
        lg_code="202177", department="市民課", actor=operator,
    )  # fmt: skip
    tenancy.role_grant(
        staff_id=staff.pk, lg_code="202177", role=Role.COUNTER, starts_on=dt.date(2026, 4, 1), ends_on=None,
        actor=operator,
    )  # fmt: skip
    return staff.user


def _read_every_page(page: Any, course: Course) -> None:
    for number in range(1, len(course.sections) + 1):
        assert page.url.endswith(f"/learning/mynumber-card/{number}/")
        assert page.inner_text("h1") == course.sections[number - 1].title
        page.click("#next")


def _answer(page: Any, quiz: Quiz, *, right: bool) -> None:
    """Tick one answer per question (every one right, or every one wrong) and send the form."""
    for question in quiz.questions:
        choice = question.answer if right else next(c for c in question.choices if not c.correct)
        page.check(f"#q-{question.id}-{choice.id}")
    page.click("#grade")


def test_a_new_staff_member_completes_the_course_and_the_admin_sees_it(
    site: str, open_context: Any, artifacts: Path
) -> None:
    # given a new counter clerk of Saku City, signed in, in a browser without JavaScript
    user = _newcomer()
    course = course_find("mynumber-card")
    assert course is not None
    quiz = quiz_for(course.quiz_slug)
    page = open_context(user=user, java_script_enabled=False, viewport={"width": 1280, "height": 900}).new_page()

    # when they follow the link from the staff page and read the course page by page
    page.goto(f"{site}/staff/")
    page.click('a[href="/learning/"]')
    page.click('a[href="/learning/mynumber-card/"]')
    page.click('a.button[href="/learning/mynumber-card/1/"]')
    _read_every_page(page, course)
    assert page.url.endswith("/learning/mynumber-card/quiz/")

    # and answer every question wrongly first
    _answer(page, quiz, right=False)

    # then they have not passed, and see why for each answer
    assert re.findall(r"\d+", page.inner_text("#score"))[:2] == ["0", str(quiz.total)]
    assert next(c for c in quiz.questions[0].choices if not c.correct).explanation in page.content()
    assert page.locator("#quiz-form").count() == 1

    # when they try again with the right answers
    _answer(page, quiz, right=True)

    # then they pass
    assert page.locator("#quiz-form").count() == 0
    assert re.findall(r"\d+", page.inner_text("#score"))[:2] == [str(quiz.total), str(quiz.total)]

    # and before the badge, the course asks them to walk the card simulator: they do, still without JavaScript
    page.goto(f"{site}/learning/mynumber-card/badge/")
    assert page.locator("#issue-badge").count() == 0
    walk_simulator(page, site, axe=False)

    # when they receive the badge and download it
    page.goto(f"{site}/learning/mynumber-card/badge/")
    page.click("#issue-badge")
    assert "Open Badges 3.0" in page.inner_text("#badge-status")
    with page.expect_download() as download_info:
        page.click("#badge-jwt")
    download = download_info.value
    target = artifacts / "learning-badge.jwt"
    download.save_as(str(target))
    token = target.read_text(encoding="utf-8").strip()

    # then the badge verifies with the issuer's published key, and names them only by display name
    issuer = page.request.get(f"{site}/learning/issuer.json").json()
    credential = openbadge.credential_verify(token, issuer["publicKey"])
    assert credential["credentialSubject"]["achievement"]["name"] == course.title
    names = [i["identityHash"] for i in credential["credentialSubject"]["identifier"] if not i["hashed"]]
    assert names == ["見本 新太"]
    assert "saku-newcomer" not in token
    page.screenshot(path=str(artifacts / "learning-badge.png"), full_page=True)

    # when the town's admin opens the roll-up
    admin = open_context(user=User.objects.get(username="saku-admin")).new_page()
    admin.goto(f"{site}/staff/")
    admin.goto(f"{site}/learning/")
    admin.click('a[href="/staff/m/202177/learning/"]')

    # then the newcomer is there, complete, with a badge; and the town's total counts them
    row = admin.locator("#rollup-staff tbody tr").filter(has_text="見本 新太")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == f"{len(course.sections)}/{len(course.sections)}"
    assert cells[-2:] != ["—", "—"]  # completed, with the badge's date
    town = admin.locator("#rollup-town td").all_inner_texts()
    assert town[-1] == "1"  # badges in the whole municipality
    admin.screenshot(path=str(artifacts / "learning-rollup.png"), full_page=True)
