"""Issue 8's "done when", in a real Chromium: a workshop with two teams captures idea cards and publishes them.

The agency organises a workshop in the space `card`, makes two teams and opens registration; staff of four towns
register in their own browsers; the organiser assigns the teams (each mixes municipalities) and starts the session;
members write idea cards on their team pages; the facilitator view on the projector shows the cards as they come
(live with JavaScript, by reloading itself without), steps through the presentations with the timer running; the
teams write their outcomes, the organiser publishes, and the ideas appear in the space, each saying which workshop
it came from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from hiroba.cocreation.demo_workshop import demo_workshop
from hiroba.cocreation.models import Idea
from hiroba.cocreation.models.workshops import IdeaCard, Team, TeamMember, Workshop, WorkshopStatus
from hiroba.cocreation.services.workshops import card_add
from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.demo import demo_cocreation
from hiroba.identity.models import User
from tests.browser.test_accessibility import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = ["saku-admin", "matsudo-counter", "chofu-admin", "komoro-admin"]
LIVE_WAIT_MS = 25_000  # the facilitator view refreshes every 10 seconds


def _page(open_context: Any, username: str, axe_script: Path | None = None) -> Any:
    context = open_context(user=User.objects.get(username=username), viewport={"width": 1280, "height": 900})
    if axe_script is not None:
        context.add_init_script(path=str(axe_script))
    return context.new_page()


def _submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _organise(organiser: Any, site: str) -> Workshop:
    """The organiser finds the workshops from the workshop's home, organises one with two teams and opens it."""
    organiser.goto(f"{site}/cocreation/")
    with organiser.expect_navigation():
        organiser.click("main a[href='/cocreation/workshops/']")
    organiser.select_option("#space", "card")
    organiser.fill("#title", "カード活用ワークショップ")
    organiser.fill("#date", "2026-12-10")
    organiser.fill("#place", "デジタル庁")
    organiser.fill("#capacity", "40")
    _submit(organiser, "form:has(#title) button[type=submit]")
    workshop = Workshop.objects.get()
    assert organiser.url == f"{site}/cocreation/workshops/{workshop.pk}/manage/"
    for name, theme in (("A", "健康ポイントを地域通貨に"), ("B", "デジタルが苦手な方を取り残さない")):
        organiser.fill("#name", name)
        organiser.fill("#theme", theme)
        _submit(organiser, "form:has(#theme) button[type=submit]")
    _submit(organiser, "button[name=action][value=advance]")
    assert organiser.get_attribute("#workshop-status", "data-status") == "open"
    return workshop


def _register_and_write_cards(pages: dict[str, Any], site: str, workshop: Workshop, organiser: Any) -> None:
    """Staff of four towns register; the organiser assigns the teams (each mixes towns) and starts the session;
    every member writes an idea card on their team's page."""
    for page in pages.values():
        page.goto(f"{site}/cocreation/workshops/")
        with page.expect_navigation():
            page.click(f"a[href='/cocreation/workshops/{workshop.pk}/']")
        _submit(page, "button[name=action][value=register]")
    assert pages["komoro-admin"].get_attribute("#seats", "data-registered") == "4"
    organiser.reload()
    _submit(organiser, "button[name=action][value=assign]")
    for team in Team.objects.filter(workshop=workshop):
        towns = list(TeamMember.objects.filter(team=team).values_list("registration__municipality_id", flat=True))
        assert len(towns) == 2
        assert len(set(towns)) == 2
    _submit(organiser, "button[name=action][value=advance]")
    assert organiser.get_attribute("#workshop-status", "data-status") == "running"
    assert axe_serious(organiser, "manage page") == []
    for name, page in pages.items():
        page.goto(f"{site}/cocreation/workshops/{workshop.pk}/")
        with page.expect_navigation():
            page.click("#h-registration ~ p a[href*='/teams/']")
        page.fill("#card-text", f"{name}のアイデア")
        _submit(page, "form:has(#card-text) button[type=submit]")
        assert page.locator(".idea-card", has_text=f"{name}のアイデア").count() == 1
    assert IdeaCard.objects.count() == len(STAFF)


def _present(projector: Any, site: str, workshop: Workshop, artifacts: Path) -> None:
    """Team A, then B, with the timer running, then the end of the presentations."""
    projector.goto(f"{site}/cocreation/workshops/{workshop.pk}/facilitator/?screen=present")
    _submit(projector, "button[data-next]")
    assert projector.get_attribute("#presenter", "data-team") == "A"
    assert re.fullmatch(r"\d+:\d\d", projector.inner_text("[data-timer]"))
    before = projector.inner_text("[data-timer]")
    projector.wait_for_function(
        "before => document.querySelector('[data-timer]').textContent !== before", arg=before, timeout=5_000
    )
    _submit(projector, "button[data-next]")
    assert projector.get_attribute("#presenter", "data-team") == "B"
    assert projector.locator(".fac-order li.done").count() == 1
    projector.screenshot(path=str(artifacts / "workshop-facilitator-present.png"), full_page=True)
    _submit(projector, "button[data-next]")
    assert projector.get_attribute("#presenter", "data-team") == ""


def _write_outcomes(pages: dict[str, Any], site: str, workshop: Workshop) -> None:
    for team in Team.objects.filter(workshop=workshop):
        member = TeamMember.objects.filter(team=team).select_related("registration__user").first()
        assert member is not None
        page = pages[member.registration.user.username]
        page.goto(f"{site}/cocreation/workshops/{workshop.pk}/teams/{team.pk}/")
        page.fill("#outcome-title", f"{team.theme}（{team.name}）")
        page.fill("#outcome-problem", "窓口で困っていること")
        page.fill("#outcome-proposal", "みんなで考えた提案")
        _submit(page, "form:has(#outcome-title) button[type=submit]")


def test_a_workshop_with_two_teams_captures_idea_cards_and_publishes_them(
    site: str, open_context: Any, axe_script: Path, artifacts: Path
) -> None:
    demo_cocreation()
    organiser = _page(open_context, "agency", axe_script)
    workshop = _organise(organiser, site)
    # the facilitator view on the projector shows the cards screen all along
    projector = _page(open_context, "agency", axe_script)
    projector.goto(f"{site}/cocreation/workshops/{workshop.pk}/facilitator/?screen=cards")
    assert axe_serious(projector, "facilitator view") == []
    pages = {name: _page(open_context, name) for name in STAFF}
    _register_and_write_cards(pages, site, workshop, organiser)

    # the projector shows the new cards without anybody touching it
    for name in STAFF:
        projector.locator(".fac-cards li", has_text=f"{name}のアイデア").wait_for(timeout=LIVE_WAIT_MS)
    assert projector.locator(".fac-board").count() == 2
    projector.screenshot(path=str(artifacts / "workshop-facilitator-cards.png"), full_page=True)

    # without JavaScript the view reloads itself and shows new cards too
    agency = User.objects.get(username="agency")
    still = open_context(user=agency, java_script_enabled=False, viewport={"width": 1280, "height": 900}).new_page()
    still.goto(f"{site}/cocreation/workshops/{workshop.pk}/facilitator/?screen=cards")
    first = Team.objects.filter(workshop=workshop).order_by("order").first()
    assert first is not None
    card_add(actor=Actor.for_user(agency, channel=Channel.WEB), team=first, text="手書き")
    still.locator(".fac-cards li", has_text="手書き").wait_for(timeout=LIVE_WAIT_MS)

    _present(projector, site, workshop, artifacts)
    _write_outcomes(pages, site, workshop)

    # the organiser publishes; the ideas are in the space, each saying where it came from
    organiser.goto(f"{site}/cocreation/workshops/{workshop.pk}/manage/")
    _submit(organiser, "button[name=action][value=publish]")
    assert organiser.url == f"{site}/cocreation/workshops/{workshop.pk}/outcomes/"
    assert Workshop.objects.get().status == WorkshopStatus.PUBLISHED
    assert organiser.locator("main li.card").count() == 2
    with organiser.expect_navigation():
        organiser.click("main li.card >> nth=0 >> h2 a")
    assert "カード活用ワークショップ" in organiser.inner_text("#from-workshop")
    saku = pages["saku-admin"]
    saku.goto(f"{site}/cocreation/s/card/")
    for theme in ("健康ポイントを地域通貨に（A）", "デジタルが苦手な方を取り残さない（B）"):
        assert saku.locator("main table a", has_text=theme).count() == 1


def test_the_workshop_and_directory_pages_pass_axe_in_both_languages(
    site: str, open_context: Any, axe_script: Path
) -> None:
    """Every kind of page of this part, with the demo's published workshop and profiles, for the organiser and for a
    participant, in Japanese and in English."""
    demo_cocreation()
    demo_workshop()
    workshop = Workshop.objects.get()
    team = Team.objects.filter(workshop=workshop).order_by("order").first()
    idea = Idea.objects.get(title="健康ポイントを近隣の町で使える地域通貨に")
    profile = User.objects.get(username="saku-health").public_id
    base = f"/cocreation/workshops/{workshop.pk}"
    assert team is not None
    pages = {
        "agency": [f"{base}/manage/", *(f"{base}/facilitator/?screen={s}" for s in ("teams", "cards", "present"))],
        "matsudo-admin": [
            "/cocreation/workshops/", f"{base}/", f"{base}/teams/{team.pk}/", f"{base}/outcomes/",
            "/cocreation/people/", "/cocreation/people/?topic=窓口&mentor=1", f"/cocreation/people/{profile}/",
            "/cocreation/people/me/", f"/cocreation/i/{idea.pk}/",
        ],
    }  # fmt: skip
    violations: list[str] = []
    for username, paths in pages.items():
        for locale in ("ja-JP", "en-US"):
            context = open_context(user=User.objects.get(username=username), locale=locale)
            context.add_init_script(path=str(axe_script))
            if locale == "en-US":
                context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": site}])
            page = context.new_page()
            for path in paths:
                response = page.goto(f"{site}{path}")
                assert response is not None
                assert response.status == 200, path
                violations += axe_serious(page, f"{username} {locale} {path}")
    assert violations == []
