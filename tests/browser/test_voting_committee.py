"""A poll run by Saku's election committee in a real Chromium, with two trustees who make their keys and decrypt
the result in their own browsers: the private keys are saved as files and never sent to the server.

The committee creates the poll, enrols the voters and invites the trustees on its pages; each trustee opens their
link in a fresh browser, makes the key pair, saves the private key and sends the public key. The credential
authority (the operator here) registers the credentials, two residents vote (ballots made in Python), the committee
opens and closes the poll on its pages; each trustee chooses the saved private key file and publishes the partial
decryption; the committee computes the result, and the page shows the counts."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.models import Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.ballot import ballot_create
from hiroba.voting.crypto.credentials import credential_generate, credential_secret
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.models import Election, ElectionState, Trustee
from hiroba.voting.selectors import question_structures
from hiroba.voting.services import ballot_cast, credentials_register
from tests.browser.test_accessibility import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAKU = "202177"
OPERATOR = Actor.command_line()
JST = dt.timezone(dt.timedelta(hours=9))


def _jst(delta: dt.timedelta) -> str:
    return (timezone.now().astimezone(JST) + delta).strftime("%Y-%m-%dT%H:%M")


def _make_key(context: Any, site: str, link: str, directory: Path) -> Path:
    """The trustee opens their link, makes the key pair, saves the private key file and sends the public key."""
    page = context.new_page()
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(f"{site}{link}")
    page.click("[data-keygen]")
    page.wait_for_selector("[data-download][href^='blob:']:visible")
    assert page.is_disabled("[data-register]"), "nothing is sent before the trustee says the key is saved"
    with page.expect_download() as info:
        page.click("[data-download]")
    download = info.value
    assert re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{14}-trustee-[12]\.privkey", download.suggested_filename)
    path = directory / str(download.suggested_filename)
    download.save_as(path)
    page.check("[data-saved]")
    with page.expect_navigation():
        page.click("[data-register]")
    assert page.get_attribute("#trustee", "data-step") == "waiting"
    private_key = json.loads(path.read_text())
    assert private_key.isdigit()
    assert posted, "the public key was posted"
    assert not any(private_key in body for body in posted), "the private key never leaves the browser"
    page.close()
    return path


def _decrypt(context: Any, site: str, link: str, key_file: Path) -> None:
    page = context.new_page()
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(f"{site}{link}")
    page.set_input_files("[data-private-key]", str(key_file))
    page.click("[data-decrypt]")
    page.wait_for_selector("[data-publish]:enabled")
    with page.expect_navigation():
        page.click("[data-publish]")
    assert page.get_attribute("#trustee", "data-step") == "done"
    private_key = json.loads(key_file.read_text())
    assert posted
    assert not any(private_key in body for body in posted), "only the partial decryption is sent"
    page.close()


def _create_poll(page: Any, site: str) -> Election:
    """The committee creates the poll with a yes/no question that allows a blank vote, and enrols the voters."""
    page.goto(f"{site}/staff/m/{SAKU}/polls/new/")
    page.fill("#title", "駅前広場の整備についての住民投票")
    page.fill("#opens_at", _jst(dt.timedelta(hours=-1)))
    page.fill("#closes_at", _jst(dt.timedelta(days=1)))
    page.fill("#q_text", "駅前広場を整備しますか")
    page.check("#q_blank")
    assert axe_serious(page, "the create page") == []
    with page.expect_navigation():
        page.click("#main form[method=post] button[type=submit]")
    election = Election.objects.get(title="駅前広場の整備についての住民投票")
    assert page.url.endswith(f"/polls/{election.uuid}/")
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/voters/")
    with page.expect_navigation():
        page.click("button[value=enroll]")
    return election


def _invite(page: Any, site: str, election: Election, names: list[str]) -> list[str]:
    """The committee invites the trustees; each link is shown once, on the answer to the invitation."""
    links = []
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/trustees/")
    for name in names:
        page.fill("#invite-name", name)
        with page.expect_navigation():
            page.click("button[value=invite]")
        link = page.input_value("#trustee-link")
        assert link.startswith(f"{site}/polls/trustee/")
        links.append(link.removeprefix(site))
    assert axe_serious(page, "the trustees page") == []
    return links


def _credentials(election: Election, count: int) -> list[int]:
    """The credential authority (the operator here) registers the public credentials; returns the secrets (what
    the letters carry)."""
    group = group_by_name(election.group)
    secrets_ = [credential_secret(group, credential_generate(), election.uuid) for _ in range(count)]
    credentials_register(
        actor=OPERATOR, election=election, public_credentials=[group.to_str(group.g_pow(s)) for s in secrets_]
    )
    return secrets_


def _vote(election: Election, residents: list[Resident], secrets_: list[int], votes: list[list[int]]) -> None:
    """Each resident casts a ballot made in Python (the booth is another page)."""
    election.refresh_from_db()
    group = group_by_name(election.group)
    for resident, secret, vote in zip(residents, secrets_, votes, strict=True):
        ballot = ballot_create(
            group,
            y=group.parse(election.public_key),
            election_uuid=election.uuid,
            election_fingerprint=election.fingerprint,
            credential_secret=secret,
            questions=question_structures(election),
            plaintexts=[vote],
        )
        assert resident.person is not None
        actor = Actor.for_user(resident.person.user, channel=Channel.WEB)
        ballot_cast(actor=actor, election=election, resident=resident, ballot_json=json_dumps(ballot))


def _wrong_key_refused(context: Any, site: str, link: str, key_file: Path) -> None:
    page = context.new_page()
    page.goto(f"{site}{link}")
    page.set_input_files("[data-private-key]", str(key_file))
    page.click("[data-decrypt]")
    page.wait_for_selector("[data-problem]:not(:empty)")
    assert page.inner_text("[data-problem]") == page.get_attribute("#trustee", "data-msg-wrong-key")
    assert page.is_disabled("[data-publish]")
    page.close()


def test_a_committee_runs_a_poll_whose_trustees_make_keys_and_decrypt_in_their_browsers(
    site: str, open_context: Any, axe_script: Path, artifacts: Path, tmp_path: Path
) -> None:
    residents = [make_resident(SAKU, f"見本 有権者{i}") for i in range(3)]
    committee = open_context(user=User.objects.get(username="saku-counter"), viewport={"width": 1280, "height": 900})
    committee.add_init_script(path=str(axe_script))
    page = committee.new_page()
    election = _create_poll(page, site)
    assert election.voters.count() == 3  # every adult resident of Saku (the three made above)
    links = _invite(page, site, election, ["見本 甲", "見本 乙"])

    # each trustee, in a browser of their own and without signing in, makes their key pair
    keys = []
    for i, link in enumerate(links):
        trustee = open_context()
        if i == 0:
            trustee.add_init_script(path=str(axe_script))
            first = trustee.new_page()
            first.goto(f"{site}{link}")
            assert axe_serious(first, "the trustee's key page") == []
            first.close()
        keys.append(_make_key(trustee, site, link, tmp_path))
    group = group_by_name(election.group)
    registered = list(Trustee.objects.filter(election=election).order_by("position"))
    assert [t.name for t in registered] == ["見本 甲", "見本 乙"]
    for trustee_row, key_file in zip(registered, keys, strict=True):
        assert trustee_row.public_key == group.to_str(group.g_pow(int(json.loads(key_file.read_text()))))

    # with the credentials registered, the committee opens the poll; two vote yes, one votes blank
    secrets_ = _credentials(election, len(residents))
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/")
    assert page.get_attribute("#check-credentials", "data-ready") == "yes"
    with page.expect_navigation():
        page.click("button[value=open]")
    _vote(election, residents, secrets_, [[0, 1, 0], [0, 1, 0], [1, 0, 0]])  # (blank, yes, no)

    # the committee closes the poll early, after confirming
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/")
    page.check("#confirm-close")
    with page.expect_navigation():
        page.click("button[value=close]")
    election.refresh_from_db()
    assert election.state == ElectionState.CLOSED

    # a trustee who picks the other trustee's file is told so, and nothing is sent
    _wrong_key_refused(open_context(), site, links[0], keys[1])

    # each trustee decrypts with the saved file
    for link, key_file in zip(links, keys, strict=True):
        _decrypt(open_context(), site, link, key_file)

    # the committee computes the result; the page shows the counts
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/")
    with page.expect_navigation():
        page.click("button[value=result]")
    election.refresh_from_db()
    assert election.state == ElectionState.TALLIED
    rows = page.locator("table.result tbody tr")
    cells = [
        (rows.nth(i).locator("th").inner_text(), rows.nth(i).locator("td").inner_text()) for i in range(rows.count())
    ]
    assert cells[:2] == [("賛成", "2"), ("反対", "0")]
    assert [count for _, count in cells[2:]] == ["1"]  # the blank votes
    assert axe_serious(page, "the result page") == []
    page.screenshot(path=str(artifacts / "voting-committee-result.png"), full_page=True)
