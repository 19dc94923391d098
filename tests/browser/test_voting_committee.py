"""Issue 7's "done when", in a real Chromium: a poll of 佐久市 run end to end in browsers — the committee sets it up
on its pages, two trustees make their keys in their own browsers (the private keys are saved as files and never
sent), the credential authority prints the letters generated in its browser and registers only public
credentials, three residents vote in the booth with the credentials from their letters (one re-votes), the
trustees decrypt with their saved files, the committee publishes the result, and the archive downloaded from the
public board passes both `hiroba voting verify` and `belenios-tool election verify`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from hiroba.identity.models import Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.models import Election, ElectionState, Trustee
from hiroba.voting.tests.test_elections import belenios_verify
from hiroba.voting.verifier import verify_archive
from hiroba.wallet.formats.tests import pdf as pdf_reader
from tests.browser.test_accessibility import axe_serious
from tests.browser.test_voting_authority import CREDENTIAL
from tests.browser.test_voting_booth import vote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAKU = "202177"
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


def _letters(context: Any, site: str, election: Election, residents: list[Resident]) -> dict[str, str]:
    """The credential authority generates the letters in its browser, prints them and registers the public
    credentials; returns each resident's credential as read from the printed letters (what the post delivers)."""
    page = context.new_page()
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/credentials/")
    page.click("[data-generate]")
    page.wait_for_selector("[data-letters]:visible")
    text = pdf_reader.text(page.pdf(format="A4"))
    assert text is not None
    letters: dict[str, str] = {}
    for sheet in text.split("\f")[:-1]:
        (name,) = [r.person.user.full_name for r in residents if r.person and f"{r.person.user.full_name} 様" in sheet]
        (letters[name],) = CREDENTIAL.findall(sheet)
    assert len(letters) == len(residents)
    page.check("#printed")
    page.click("[data-register]")
    page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('3')")
    page.close()
    return letters


def _booth(context: Any, site: str, election: Election, credential: str, answer: str) -> str:
    """A resident votes in the booth with the credential from their letter; returns the ballot's tracker."""
    page = context.new_page()
    page.goto(f"{site}/polls/{election.uuid}/vote/")
    page.wait_for_selector("#booth:not([hidden])")
    tracker = vote(page, credential, yes_no=answer, extras=[])
    page.click("#booth-cast-button")
    page.wait_for_selector("#done-tracker")
    assert page.inner_text("#done-tracker").strip() == tracker
    page.close()
    return tracker


def _wrong_key_refused(context: Any, site: str, link: str, key_file: Path) -> None:
    page = context.new_page()
    page.goto(f"{site}{link}")
    page.set_input_files("[data-private-key]", str(key_file))
    page.click("[data-decrypt]")
    page.wait_for_selector("[data-problem]:not(:empty)")
    assert page.inner_text("[data-problem]") == page.get_attribute("#trustee", "data-msg-wrong-key")
    assert page.is_disabled("[data-publish]")
    page.close()


def _trustee_keys(
    open_context: Any, site: str, election: Election, links: list[str], axe_script: Path, directory: Path
) -> list[Path]:
    """Each trustee makes their key pair on their link's page; the registered keys are theirs."""
    keys = []
    for i, link in enumerate(links):
        trustee = open_context()
        if i == 0:
            trustee.add_init_script(path=str(axe_script))
            first = trustee.new_page()
            first.goto(f"{site}{link}")
            assert axe_serious(first, "the trustee's key page") == []
            first.close()
        keys.append(_make_key(trustee, site, link, directory))
    group = group_by_name(election.group)
    registered = list(Trustee.objects.filter(election=election).order_by("position"))
    assert [t.name for t in registered] == ["見本 甲", "見本 乙"]
    for trustee_row, key_file in zip(registered, keys, strict=True):
        assert trustee_row.public_key == group.to_str(group.g_pow(int(json.loads(key_file.read_text()))))
    return keys


def _audit(public: Any, site: str, election: Election, trackers: list[str], folder: Path) -> None:
    """Anyone downloads the archive from the public board; both verifiers accept it, with every ballot tracked."""
    public.goto(f"{site}/polls/{election.uuid}/")
    assert all(tracker in public.inner_text("#h-events + .table-scroll") for tracker in trackers)
    with public.expect_download() as info:
        public.click(f"a[download='{election.uuid}.bel']")
    folder.mkdir()
    info.value.save_as(folder / f"{election.uuid}.bel")
    report = verify_archive(folder / f"{election.uuid}.bel", workers=1)
    assert report.ok, report
    assert belenios_verify(folder).returncode == 0


def test_a_poll_of_saku_runs_end_to_end_in_browsers_and_its_archive_passes_both_verifiers(
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
    keys = _trustee_keys(open_context, site, election, links, axe_script, tmp_path)

    # the credential authority prints the letters and registers the public credentials; the committee opens
    authority = open_context(user=User.objects.get(username="saku-credentials"))
    letters = _letters(authority, site, election, residents)
    page.goto(f"{site}/staff/m/{SAKU}/polls/{election.uuid}/")
    assert page.get_attribute("#check-credentials", "data-ready") == "yes"
    with page.expect_navigation():
        page.click("button[value=open]")

    # three residents vote in the booth with their letters; the first changes their mind and votes again
    voters = {}
    for resident in residents:
        assert resident.person is not None
        voters[resident.person.user.full_name] = open_context(user=resident.person.user)
    names = list(voters)
    trackers = [
        _booth(voters[names[0]], site, election, letters[names[0]], "反対"),
        _booth(voters[names[1]], site, election, letters[names[1]], "賛成"),
        _booth(voters[names[2]], site, election, letters[names[2]], "白票（どれも選ばない）"),
        _booth(voters[names[0]], site, election, letters[names[0]], "賛成"),
    ]
    assert len(set(trackers)) == 4

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

    # anyone downloads the archive from the public board; both verifiers accept it, with every ballot tracked
    _audit(open_context().new_page(), site, election, trackers, tmp_path / "audit")
