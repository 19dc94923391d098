"""Issue 8's first "done when", in a real Chromium: staff of 松戸市 report a counter problem, staff of 調布市 and
さいたま市 say 「うちもです」, it becomes an idea that 松戸市 sends to the Digital Agency, an agency user answers it,
and the staff who follow it see the notification; the public tracker shows the answer to anyone."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.cocreation.services import space_create
from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.models import User
from tests.browser.test_accessibility import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "転入の手続きで同じ内容を何度も書いてもらっている"


def _staff_page(open_context: Any, username: str, axe_script: Any = None) -> Any:
    context = open_context(user=User.objects.get(username=username), viewport={"width": 1280, "height": 900})
    if axe_script is not None:
        context.add_init_script(path=str(axe_script))
    return context.new_page()


def _report_with_two_more_towns(site: str, open_context: Any) -> Any:
    """Matsudo reports the problem; Chofu and Saitama say "same here". Returns Matsudo's page on the problem."""
    matsudo = _staff_page(open_context, "matsudo-counter")
    matsudo.goto(f"{site}/cocreation/problems/")
    matsudo.fill("#summary", SUMMARY)
    matsudo.fill("#detail", "住所や氏名を、課ごとに別の用紙へ書いてもらっている。")
    with matsudo.expect_navigation():
        matsudo.click("form button[type=submit]:has-text('登録')")
    assert matsudo.get_attribute("#same-here", "data-towns") == "1"
    for town in ("chofu-counter", "saitama-counter"):
        colleague = _staff_page(open_context, town)
        colleague.goto(matsudo.url)
        with colleague.expect_navigation():
            colleague.click("button[value=same_here]")
        assert colleague.is_visible("text=あなたの自治体は数えられています")
    matsudo.reload()
    assert matsudo.get_attribute("#same-here", "data-towns") == "3"
    return matsudo


def _agency_answers(site: str, open_context: Any) -> None:
    agency = _staff_page(open_context, "agency")
    agency.goto(f"{site}/cocreation/requests/inbox/")
    with agency.expect_navigation():
        agency.click(f"text={SUMMARY}")
    agency.select_option("#status", "planned")
    agency.fill("#answer", "書かない窓口の標準仕様に、**住所・氏名の再利用**を加えます。")
    with agency.expect_navigation():
        agency.click("#answer-form button[type=submit]")
    assert agency.get_attribute("#request-status", "data-status") == "planned"
    assert agency.inner_html("#answers").count("<strong>住所・氏名の再利用</strong>") == 1


def test_a_counter_problem_of_three_towns_reaches_the_agency_and_its_answer_reaches_them(
    site: str, open_context: Any, axe_script: Any
) -> None:
    space_create(
        actor=Actor.for_user(User.objects.get(username="agency"), channel=Channel.WEB),
        slug="counter-dx", name="窓口DX", name_en="Digital counters",
    )  # fmt: skip
    matsudo = _report_with_two_more_towns(site, open_context)
    # Matsudo makes it an idea in the 窓口DX space and sends it to the agency
    matsudo.fill("#proposal", "住所・氏名を一度書けば、各課の様式に写せる共通の仕組み。")
    with matsudo.expect_navigation():
        matsudo.click("form[aria-labelledby=h-to-idea] button[type=submit]")
    idea_url = matsudo.url
    assert "/cocreation/i/id_" in idea_url
    assert matsudo.inner_text("h1") == SUMMARY
    with matsudo.expect_navigation():
        matsudo.click("button[value=escalate]")
    assert matsudo.get_attribute("#request-status", "data-status") == "received"
    _agency_answers(site, open_context)

    # everyone who said "same here" follows the problem, and so hears the answer
    for town in ("chofu-counter", "saitama-counter", "matsudo-counter"):
        follower = _staff_page(open_context, town, axe_script)
        follower.goto(f"{site}/cocreation/")
        assert follower.is_visible("#notifications-link:has-text('新着')")
        with follower.expect_navigation():
            follower.click("#notifications-link")
        answered = follower.locator("li[data-verb=answered]")
        assert answered.count() == 1
        assert "【対応予定】" in answered.inner_text()
        with follower.expect_navigation():
            answered.locator("a").click()
        assert follower.url == idea_url
    follower.goto(f"{site}/cocreation/notifications/")
    assert axe_serious(follower, "notifications") == []

    # anyone, signed in or not, sees the request and its answer on the public tracker
    public_context = open_context()
    public_context.add_init_script(path=str(axe_script))
    public = public_context.new_page()
    public.goto(f"{site}/cocreation/requests/")
    assert public.is_visible(f"text={SUMMARY}")
    assert public.locator("strong[data-status=planned]").inner_text() == "対応予定"
    assert axe_serious(public, "tracker") == []
