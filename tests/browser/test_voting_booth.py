"""The voting booth in a real Chromium: choices checked on the page, the ballot encrypted and signed on the device,
a Benaloh audit that is never cast, casting, the tracker on the board, a re-vote, and the booth terminal at the
town office (issue 7, item 5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.credentials import credential_generate, credential_public
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.models import Election, ElectionEvent, EventType
from hiroba.voting.selectors import ballot_tracker
from hiroba.voting.services import (
    credentials_register,
    election_create,
    election_open,
    question_choose,
    question_yes_no,
    trustee_register,
    voters_enroll,
)
from hiroba.voting.tests.test_elections import SAKU, authority, committee, trustee_key_json
from tests.browser.test_accessibility import _skip_to_main, _tab_to, axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_poll(voters: int, *, group: str = "BELENIOS-2048") -> tuple[Election, list[Resident], list[str]]:
    """An open poll of 佐久市 for `voters` new residents; returns their letters' credentials too."""
    chair = committee(SAKU)
    residents = [make_resident(SAKU, f"見本 投票者{i}") for i in range(voters)]
    now = timezone.now()
    election = election_create(
        actor=chair,
        lg_code=SAKU,
        title="見本 駅前広場についての住民投票",
        questions=[
            question_yes_no("駅前広場を整備しますか", blank=True),
            question_choose("広場に置くもの(1〜2つ)", ["ベンチ", "花壇", "屋根"], minimum=1, maximum=2),
        ],
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
        group=group,
    )
    voters_enroll(actor=chair, election=election, imported=[(r.pairwise_id, 1) for r in residents])
    g = group_by_name(group)
    letters = [credential_generate() for _ in residents]
    credentials_register(
        actor=authority(SAKU),
        election=election,
        public_credentials=sorted(g.to_str(credential_public(g, c, election.uuid)) for c in letters),
    )
    trustee_register(actor=chair, election=election, name="見本 管理者", public_key_json=trustee_key_json(g, 7))
    return election_open(actor=chair, election=election), residents, letters


def vote(page: Any, credential: str, *, yes_no: str, extras: list[str]) -> str:
    """Fill the booth and encrypt; returns the tracker shown before casting."""
    page.get_by_role("radio", name=yes_no, exact=True).check()
    for box in page.locator("#booth-choices input[type=checkbox]").all():
        box.uncheck()
    for extra in extras:
        page.get_by_role("checkbox", name=extra, exact=True).check()
    page.fill("#booth-credential", credential)
    page.click("#booth-encrypt")
    page.wait_for_selector("#booth-review:not([hidden])")
    return str(page.inner_text("#booth-tracker")).strip()


def test_a_resident_audits_a_ballot_casts_another_finds_it_on_the_board_and_revotes(
    site: str, open_context: Any, axe_script: Path
) -> None:
    election, (resident,), (credential,) = open_poll(1)
    assert resident.person is not None
    context = open_context(user=resident.person.user)
    context.add_init_script(path=str(axe_script))
    page = context.new_page()
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(f"{site}/polls/{election.uuid}/vote/")
    page.wait_for_selector("#booth:not([hidden])")
    assert axe_serious(page, "the booth") == []

    # nothing chosen and a mistyped credential: the page names both problems and sends nothing
    page.fill("#booth-credential", credential[:-1] + ("1" if credential[-1] != "1" else "2"))
    page.click("#booth-encrypt")
    errors = page.locator("#booth-errors li")
    assert errors.count() == 3  # question 1, question 2, the credential
    assert posted == []

    # a ballot encrypted and audited: the page shows exactly the choices, and the ballot is never cast
    page.reload()
    page.wait_for_selector("#booth:not([hidden])")
    audited_tracker = vote(page, credential.replace("-", ""), yes_no="賛成", extras=["花壇"])
    page.click("#booth-audit")
    page.wait_for_selector("#booth-audit-result:not([hidden])")
    assert page.get_attribute("#booth-audit-verdict", "data-ok") == "1"
    assert page.locator("#booth-audit-choices li").all_inner_texts() == [
        "駅前広場を整備しますか: 賛成",
        "広場に置くもの(1〜2つ): 花壇",
    ]
    assert page.input_value("#booth-ballot") == ""

    # a new ballot, cast: the receipt's tracker is the board's
    page.click("#booth-again")
    tracker = vote(page, credential, yes_no="反対", extras=["ベンチ", "屋根"])
    assert tracker != audited_tracker
    page.click("#booth-cast-button")
    page.wait_for_selector("#done-tracker")
    assert page.inner_text("#done-tracker").strip() == tracker
    event = ElectionEvent.objects.get(election=election, type=EventType.BALLOT)
    assert ballot_tracker(event) == tracker
    assert all(credential not in body and credential.replace("-", "") not in body for body in posted)
    page.click("#done-board")
    assert page.locator("#tracker-found").is_visible()
    assert page.locator("tr.highlight").count() == 1

    # the resident votes again; the booth shows the earlier ballot, and both are on the board
    page.goto(f"{site}/polls/{election.uuid}/vote/")
    page.wait_for_selector("#booth:not([hidden])")
    assert tracker in page.inner_text("#h-earlier + p + ul")
    vote(page, credential, yes_no="賛成", extras=["ベンチ"])
    page.click("#booth-cast-button")
    page.wait_for_selector("#done-tracker")
    assert ElectionEvent.objects.filter(election=election, type=EventType.BALLOT).count() == 2
    assert (
        ElectionEvent.objects.filter(election=election, type=EventType.BALLOT).values("credential").distinct().count()
        == 1
    )


def test_the_booth_terminal_signs_each_voter_out_after_the_ballot(site: str, open_context: Any) -> None:
    from hiroba.identity.models import User

    election, (resident,), (credential,) = open_poll(1, group="Ed25519")
    assert resident.person is not None
    clerk = User.objects.get(username="saku-counter")
    context = open_context(user=clerk)
    page = context.new_page()
    page.goto(f"{site}/staff/m/{SAKU}/polls/terminal/")
    page.click("#terminal-start")
    page.wait_for_selector("#terminal-sign-in")
    # the resident signs in with their own card at the terminal (the card sign-in is tested in test_resident_card.py;
    # here the session is handed over as that sign-in would)
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(resident.person.user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": "localhost",
                "path": "/",
            }
        ]
    )
    page.goto(f"{site}/polls/terminal/")
    page.click(f"a[href='/polls/{election.uuid}/vote/']")
    page.wait_for_selector("#booth:not([hidden])")
    tracker = vote(page, credential, yes_no="賛成", extras=["屋根"])
    page.click("#booth-cast-button")
    page.wait_for_selector("#terminal-done")
    assert tracker in page.inner_text("#terminal-done")
    assert page.locator("#terminal-sign-in").is_visible()  # signed out: the next voter starts here


def test_a_keyboard_only_voter_chooses_encrypts_and_casts(site: str, keyboard_page: Any) -> None:
    # given a resident who uses the keyboard only, on a phone-sized booth
    election, (resident,), (credential,) = open_poll(1)
    assert resident.person is not None
    page = keyboard_page(user=resident.person.user)
    page.goto(f"{site}/polls/{election.uuid}/vote/")
    page.wait_for_selector("#booth:not([hidden])")
    _skip_to_main(page)
    # when she tabs to each answer (every stop shows its focus), chooses with Space, types the credential
    _tab_to(page, "input[name=q0][value='0']")
    page.keyboard.press("Space")
    _tab_to(page, "input[name=q1][value='1']")
    page.keyboard.press("Space")
    _tab_to(page, "#booth-credential")
    page.keyboard.type(credential)
    # and encrypts with Enter, then tabs to "cast" and presses Enter
    page.keyboard.press("Enter")
    page.wait_for_selector("#booth-review:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "booth-review"  # the focus follows to the next step
    _tab_to(page, "#booth-cast-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # then the ballot is on the board with the choices she made (yes; 花壇)
    assert page.inner_text("#done-tracker").strip() == ballot_tracker(
        ElectionEvent.objects.get(election=election, type=EventType.BALLOT)
    )
    assert axe_serious(page, "the receipt") == []
