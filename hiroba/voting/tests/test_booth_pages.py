"""The public board, the archive download, the booth's server side (what it accepts and refuses), the booth
terminal and the voting API, with ballots made by the Python reference code (the browser's own ballots are tested
in test_booth_crypto.py and tests/browser/test_voting_in_browser.py)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.core.models import AuditRecord
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import Role, RoleGrant, Staff
from hiroba.voting.events import VotingEvent
from hiroba.voting.formats.archive import json_dumps, write_archive_to
from hiroba.voting.models import ElectionEvent, EventType
from hiroba.voting.selectors import archive_members, archive_timestamp, ballot_tracker, event_count
from hiroba.voting.tests.test_elections import (
    EXPECTED,
    FIRST,
    REVOTE,
    SAKU,
    Poll,
    make_poll,
    run_poll,
    towns,  # noqa: F401 - the autouse fixture making the towns
)
from hiroba.voting.verifier import verify_archive

pytestmark = pytest.mark.django_db


def signed_in(poll: Poll, voter: int) -> Client:
    client = Client()
    person = poll.residents[voter].person
    assert person is not None
    client.force_login(person.user)
    return client


@pytest.fixture
def poll() -> Poll:
    return make_poll(voters=3, trustees=1)


# ------------------------------------------------------------------------------------------------ board


def test_board_lists_ballots_by_tracker_and_finds_one(poll: Poll) -> None:
    event = poll.cast(0, poll.ballot(0, FIRST))
    tracker = ballot_tracker(event)
    page = Client().get(f"/polls/{poll.election.uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert tracker in html
    assert 'id="board-ballots">1<' in html
    found = Client().get(f"/polls/{poll.election.uuid}/", {"tracker": tracker}).content.decode()
    assert 'id="tracker-found"' in found
    missing = Client().get(f"/polls/{poll.election.uuid}/", {"tracker": "x" * 43}).content.decode()
    assert 'id="tracker-missing"' in missing


def test_a_draft_poll_has_no_public_board() -> None:
    draft = make_poll(open_it=False)
    assert Client().get(f"/polls/{draft.election.uuid}/").status_code == 404
    assert Client().get(f"/polls/{draft.election.uuid}/archive.bel").status_code == 404
    assert draft.election.uuid not in Client().get("/polls/").content.decode()


def test_tallied_board_shows_the_result_and_the_archive_verifies(poll: Poll, tmp_path: Path) -> None:
    poll3 = make_poll(voters=3, trustees=2)
    run_poll(poll3)
    html = Client().get(f"/polls/{poll3.election.uuid}/").content.decode()
    counts = [int(c) for c in html.split("data-count>")[1:] for c in [c.split("<", 1)[0]]]
    # question 1 lists yes, no, then blank; question 2 Mon, Wed, Fri
    assert counts == [EXPECTED[0][1], EXPECTED[0][2], EXPECTED[0][0], *EXPECTED[1]]
    download = Client().get(f"/polls/{poll3.election.uuid}/archive.bel")
    assert download["Content-Disposition"] == f'attachment; filename="{poll3.election.uuid}.bel"'
    expected = io.BytesIO()
    election = poll3.refresh()
    write_archive_to(expected, timestamp=archive_timestamp(election), members=archive_members(election=election))
    assert download.content == expected.getvalue()
    path = tmp_path / f"{election.uuid}.bel"
    path.write_bytes(download.content)
    assert verify_archive(path, workers=1).ok


# ------------------------------------------------------------------------------------------------ booth


def test_booth_asks_for_sign_in_and_comes_back(poll: Poll) -> None:
    booth = f"/polls/{poll.election.uuid}/vote/"
    response = Client().get(booth)
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={booth}"
    client = Client()
    client.get("/signin/", {"next": booth})
    assert client.session["sign_in_next"] == booth
    client.get("/signin/", {"next": "https://evil.example/"})  # not a path on this site: ignored
    assert client.session["sign_in_next"] == booth


def test_booth_casts_a_ballot_and_shows_its_tracker_then_the_revote(poll: Poll) -> None:
    client = signed_in(poll, 0)
    booth = f"/polls/{poll.election.uuid}/vote/"
    page = client.get(booth).content.decode()
    assert 'id="booth"' in page
    assert "voting/booth.js" in page
    ballot = json_dumps(poll.ballot(0, FIRST)).decode()
    response = client.post(booth, {"ballot": ballot})
    assert response.status_code == 302
    event = ElectionEvent.objects.get(election=poll.election, type=EventType.BALLOT)
    assert response["Location"] == f"{booth}done/?{urlencode({'tracker': ballot_tracker(event)})}"
    done = client.get(response["Location"]).content.decode()
    assert ballot_tracker(event) in done
    assert f'data-height="{event.height}"' in done
    # re-voting: the booth names the earlier ballot and says the last one counts
    again = client.get(booth).content.decode()
    assert ballot_tracker(event) in again
    assert 'id="h-earlier"' in again
    client.post(booth, {"ballot": json_dumps(poll.ballot(0, REVOTE)).decode()})
    assert ElectionEvent.objects.filter(election=poll.election, type=EventType.BALLOT).count() == 2


def test_booth_refusals_are_shown_and_change_nothing(poll: Poll) -> None:
    client = signed_in(poll, 1)
    booth = f"/polls/{poll.election.uuid}/vote/"
    before = event_count(election=poll.election)
    ballot = poll.ballot(1, FIRST)
    ballot["answers"][0]["choices"][1]["alpha"] = ballot["answers"][0]["choices"][0]["alpha"]
    response = client.post(booth, {"ballot": json_dumps(ballot).decode()})
    assert response.status_code == 422
    assert "voting.ballot.bad_signature" in response.content.decode()
    # another voter's credential, and an empty post
    assert "voting.ballot.missing" in client.post(booth, {}).content.decode()
    assert event_count(election=poll.election) == before
    assert AuditRecord.objects.filter(tag=VotingEvent.REFUSED, data__code="voting.ballot.bad_signature").exists()


def test_a_resident_off_the_list_sees_why_and_no_booth(poll: Poll) -> None:
    outsider = make_resident(SAKU, "名簿 外")
    client = Client()
    assert outsider.person is not None
    client.force_login(outsider.person.user)
    page = client.get(f"/polls/{poll.election.uuid}/vote/").content.decode()
    assert "voting.ballot.not_a_voter" in page
    assert 'id="booth"' not in page


# ------------------------------------------------------------------------------------------------ terminal


def counter_staff(lg_code: str) -> Client:
    from hiroba.identity.models import AccountKind, User

    user = User.objects.create_user("counter_terminal", None, full_name="窓口 職員", kind=AccountKind.STAFF)
    staff = Staff.objects.create(user=user, municipality_id=lg_code)
    RoleGrant.objects.create(
        staff=staff, municipality_id=lg_code, role=Role.COUNTER, starts_on=timezone.localdate() - dt.timedelta(days=1)
    )
    client = Client()
    client.force_login(user)
    return client


def test_booth_terminal_signs_staff_out_and_each_voter_after_casting(poll: Poll) -> None:
    terminal = counter_staff(SAKU)
    assert terminal.get("/polls/terminal/").status_code == 403  # not set up yet
    response = terminal.post(f"/staff/m/{SAKU}/polls/terminal/")
    assert response.status_code == 302
    assert response["Location"] == "/polls/terminal/"
    assert "_auth_user_id" not in terminal.session  # staff are signed out of the terminal
    start = terminal.get("/polls/terminal/").content.decode()
    assert 'id="terminal-sign-in"' in start
    # a resident signs in with their own card (force_login stands for the card sign-in) and votes
    person = poll.residents[2].person
    assert person is not None
    terminal.force_login(person.user)
    assert poll.election.uuid in terminal.get("/polls/terminal/").content.decode()
    response = terminal.post(
        f"/polls/{poll.election.uuid}/vote/", {"ballot": json_dumps(poll.ballot(2, FIRST)).decode()}
    )
    event = ElectionEvent.objects.get(election=poll.election, type=EventType.BALLOT)
    assert response["Location"] == f"/polls/terminal/?{urlencode({'done': ballot_tracker(event)})}"
    assert "_auth_user_id" not in terminal.session  # the voter is signed out for the next one
    cast = AuditRecord.objects.get(tag=VotingEvent.BALLOT_CAST)
    assert cast.channel == "counter"
    assert "tracker" in cast.data
    assert not {"plaintext", "credential"} & set(cast.data)


def test_another_towns_staff_cannot_set_up_a_terminal() -> None:
    other = counter_staff("111007")
    assert other.get(f"/staff/m/{SAKU}/polls/terminal/").status_code == 403
    assert other.post(f"/staff/m/{SAKU}/polls/terminal/").status_code == 403


# ------------------------------------------------------------------------------------------------ API


def test_api_reads_the_board_and_casts(poll: Poll) -> None:
    uuid = poll.election.uuid
    polls = Client().get("/api/v1/voting/polls").json()
    assert [p["uuid"] for p in polls] == [uuid]
    client = signed_in(poll, 0)
    headers = {"Idempotency-Key": "booth-1"}
    ballot = json_dumps(poll.ballot(0, FIRST)).decode()
    created = client.post(
        f"/api/v1/voting/polls/{uuid}/ballots", {"ballot": ballot}, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    board = Client().get(f"/api/v1/voting/polls/{uuid}/board").json()
    assert [e["type"] for e in board] == ["Setup", "Ballot"]
    assert board[1]["tracker"] == created.json()["tracker"]
    refused = client.post(
        f"/api/v1/voting/polls/{uuid}/ballots",
        {"ballot": ballot},
        content_type="application/json",
        headers={"Idempotency-Key": "booth-2"},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "voting.ballot.duplicate"
    assert Client().post(f"/api/v1/voting/polls/{uuid}/ballots", {"ballot": ballot}, content_type="application/json",
                         headers={"Idempotency-Key": "anon"}).status_code == 401  # fmt: skip
    detail = Client().get(f"/api/v1/voting/polls/{uuid}").json()
    assert detail["ballots"] == 1
    assert detail["voters_voted"] == 1
    assert [a["text"] for a in detail["questions"][0]["answers"]] == ["賛成", "反対"]
