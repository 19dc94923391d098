"""The election committee's pages and the trustees' links, through the Django test client: a poll is built, opened,
closed and tallied the way the committee and the trustees do it without JavaScript (the files the commands write).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.ballot import ballot_create, proof_json
from hiroba.voting.crypto.credentials import credential_generate, credential_secret
from hiroba.voting.crypto.groups import Group, group_by_name
from hiroba.voting.crypto.proofs import decryption_factor_prove, pok_prove
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.models import Election, ElectionState, Trustee, TrusteeInvitation, Voter
from hiroba.voting.selectors import encrypted_tally_get, question_structures
from hiroba.voting.services import ballot_cast, credentials_register, voters_csv_parse

pytestmark = pytest.mark.django_db

SAKU, SAITAMA = "202177", "111007"
OPERATOR = Actor.command_line()
JST = dt.timezone(dt.timedelta(hours=9))


def staff_client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def committee(demo: Any) -> Client:
    """Saku's election committee (the demo's counter clerk holds the election role)."""
    return staff_client("saku-counter")


def jst(delta: dt.timedelta) -> str:
    return (timezone.now().astimezone(JST) + delta).strftime("%Y-%m-%dT%H:%M")


def create_poll(client: Client, *, title: str = "駅前広場の整備", group: str = "BELENIOS-2048") -> Election:
    response = client.post(
        f"/staff/m/{SAKU}/polls/new/",
        {
            "title": title,
            "description": "市民の皆さんの意見を聞きます。",
            "group": group,
            "opens_at": jst(dt.timedelta(hours=-1)),
            "closes_at": jst(dt.timedelta(days=2)),
            "minimum_age": "18",
            "credential_delivery": "letter",
            "q_kind": "yes_no",
            "q_text": "駅前広場を整備しますか",
            "q_blank": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    election = Election.objects.get(title=title)
    assert response["Location"] == f"/staff/m/{SAKU}/polls/{election.uuid}/"
    return election


def poll_url(election: Election, page: str = "") -> str:
    return f"/staff/m/{SAKU}/polls/{election.uuid}/{page}"


def key_pair(group: Group[Any]) -> tuple[int, bytes]:
    """What `hiroba voting trustee-keygen` makes: the private key, and the .pubkey file's bytes."""
    x = group.random_scalar()
    return x, json_dumps({"pok": proof_json(pok_prove(group, x)), "public_key": group.to_str(group.g_pow(x))})


def invite(client: Client, election: Election, name: str) -> str:
    """Invite a trustee on the committee's page; returns the link's path, read from the page that shows it once."""
    response = client.post(poll_url(election, "trustees/"), {"action": "invite", "name": name})
    assert response.status_code == 200
    match = re.search(
        r'id="trustee-link" readonly size="90" value="http://testserver(/polls/trustee/[^"]+/)"', response.text
    )
    assert match, response.text
    return match.group(1)


def alert(response: Any) -> str:
    match = re.search(r'role="alert"><p>(.*?)</p>', response.content.decode(), re.S)
    assert match, "the page shows the refusal with role=alert"
    return match.group(1)


# ---------------------------------------------------------------- creating a poll and its questions


def test_the_committee_creates_a_poll_and_builds_questions_of_each_kind(committee: Client) -> None:
    election = create_poll(committee)
    assert election.municipality_id == SAKU
    assert election.state == ElectionState.DRAFT
    assert election.group == "BELENIOS-2048"
    assert election.opens_at < timezone.now() < election.closes_at
    assert election.questions == [
        {"answers": ["賛成", "反対"], "blank": True, "min": 1, "max": 1, "question": "駅前広場を整備しますか"}
    ]

    url = poll_url(election, "questions/")
    answers = "図書館の改修\r\n公園の遊具\r\n\r\n歩道の拡幅\r\n"
    for fields in (
        {"kind": "choose_one", "text": "最優先の事業はどれですか", "answers": answers},
        {"kind": "choose", "text": "予算をつける事業(1〜2つ)", "answers": answers, "min": "1", "max": "2"},
        {"kind": "yes_no", "text": "消す設問"},
    ):
        response = committee.post(url, {"action": "add", **fields})
        assert response.status_code == 302
    response = committee.post(url, {"action": "remove", "index": "3"})
    assert response.status_code == 302

    election.refresh_from_db()
    projects = ["図書館の改修", "公園の遊具", "歩道の拡幅"]
    assert [q["question"] for q in election.questions] == [
        "駅前広場を整備しますか",
        "最優先の事業はどれですか",
        "予算をつける事業(1〜2つ)",
    ]
    assert election.questions[1] == {"answers": projects, "min": 1, "max": 1, "question": "最優先の事業はどれですか"}
    assert (election.questions[2]["min"], election.questions[2]["max"]) == (1, 2)
    page = committee.get(url).content.decode()
    assert "予算をつける事業(1〜2つ)" in page
    assert "歩道の拡幅" in page

    # a question the specification does not allow is refused on the page, and nothing changes
    response = committee.post(
        url, {"action": "add", "kind": "choose", "text": "x", "answers": "a", "min": "2", "max": "1"}
    )
    assert response.status_code == 422
    assert "voting.questions.invalid" in alert(response)
    election.refresh_from_db()
    assert len(election.questions) == 3

    listing = committee.get(f"/staff/m/{SAKU}/polls/").content.decode()
    assert "駅前広場の整備" in listing
    assert poll_url(election) in listing


def test_a_poll_closing_in_the_past_is_refused_with_the_reason(committee: Client) -> None:
    response = committee.post(
        f"/staff/m/{SAKU}/polls/new/",
        {
            "title": "過去の投票",
            "opens_at": jst(dt.timedelta(days=-3)),
            "closes_at": jst(dt.timedelta(days=-2)),
            "minimum_age": "18",
            "q_kind": "yes_no",
            "q_text": "よいですか",
        },
    )
    assert response.status_code == 422
    assert "voting.election.window" in alert(response)
    assert 'value="過去の投票"' in response.content.decode()  # what was typed is kept
    assert not Election.objects.filter(title="過去の投票").exists()


# ---------------------------------------------------------------- voters


def test_voters_by_age_and_by_an_imported_csv(committee: Client) -> None:
    adults = [make_resident(SAKU, f"見本 大人{i}") for i in range(3)]
    child = make_resident(SAKU, "見本 子ども")
    assert child.person is not None
    child.person.birth_year = timezone.localdate().year - 10
    child.person.save()
    elsewhere = make_resident(SAITAMA, "見本 他市")
    election = create_poll(committee)
    url = poll_url(election, "voters/")

    response = committee.post(url, {"action": "enroll"})
    assert response.status_code == 302
    listed = set(Voter.objects.filter(election=election).values_list("pairwise_id", flat=True))
    assert listed == {r.pairwise_id for r in adults}

    def upload(text: str) -> Any:
        return committee.post(
            url, {"action": "import", "csv": SimpleUploadedFile("voters.csv", text.encode(), "text/csv")}
        )

    # every bad line is named by its number, and nothing is added
    cases = [
        (f"pairwise_id,weight\n{child.pairwise_id},2\n{adults[0].pairwise_id},x\n", "Line 3", "3行目"),
        (f"{child.pairwise_id},2\n\n{elsewhere.pairwise_id},1\n", "Line 3", "3行目"),  # not a resident of Saku
        (f"{child.pairwise_id}\n{child.pairwise_id},4\n", "Line 2", "2行目"),  # twice
        (f"{child.pairwise_id},1,extra\n", "Line 1", "1行目"),
        (f"{child.pairwise_id},1001\n", "Line 1", "1行目"),
    ]
    for text, _en, ja in cases:
        response = upload(text)
        assert response.status_code == 422, text
        message = alert(response)
        assert "voting.voters.csv" in message
        assert ja in message, (text, message)
    assert Voter.objects.filter(election=election).count() == 3
    assert AuditRecord.objects.filter(tag="voting:act:refused", data__code="voting.voters.csv").count() == len(cases)

    response = upload(f"pairwise_id,weight\r\n{child.pairwise_id},5\r\n")
    assert response.status_code == 302
    child_voter = Voter.objects.get(election=election, pairwise_id=child.pairwise_id)
    assert (child_voter.weight, child_voter.source) == (5, "imported")

    page = committee.get(url).content.decode()
    assert re.search(r'id="voter-count">\D*4\D+8\D*<', page), "count and total weight are shown"
    assert child.pairwise_id in page
    assert voters_csv_parse(b"\xef\xbb\xbfpairwise_id,weight\nabc\n") == [("abc", 1)]


def test_the_voter_list_pages_by_fifty(committee: Client) -> None:
    election = create_poll(committee)
    Voter.objects.bulk_create(
        Voter(election=election, pairwise_id=f"p{i:03d}", weight=1, source="imported") for i in range(60)
    )
    first = committee.get(poll_url(election, "voters/")).content.decode()
    second = committee.get(poll_url(election, "voters/") + "?page=2").content.decode()
    assert "p000" in first
    assert "p050" not in first
    assert "p050" in second
    assert "p000" not in second


# ---------------------------------------------------------------- trustees and the checklist


def test_trustee_links_are_shown_once_and_only_their_hash_is_kept(committee: Client) -> None:
    election = create_poll(committee)
    path = invite(committee, election, "見本 管理者甲")
    token = path.removeprefix("/polls/trustee/").rstrip("/")
    assert len(token) >= 43  # 32 random bytes
    invitation = TrusteeInvitation.objects.get(election=election)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.trustee is None

    page = committee.get(poll_url(election, "trustees/")).content.decode()
    assert token not in page
    assert "見本 管理者甲" in page

    response = committee.post(poll_url(election, "trustees/"), {"action": "invite", "name": "見本 管理者甲"})
    assert response.status_code == 409
    assert "voting.trustee.name_taken" in alert(response)

    # the trustee's page, without signing in
    trustee_page = Client().get(path)
    assert trustee_page.status_code == 200
    assert "見本 管理者甲" in trustee_page.content.decode()
    assert trustee_page["Referrer-Policy"] == "same-origin"
    assert "hiroba voting trustee-keygen --group BELENIOS-2048" in trustee_page.content.decode()


def test_a_committee_registers_a_pubkey_file(committee: Client) -> None:
    election = create_poll(committee)
    _x, pubkey = key_pair(group_by_name(election.group))
    response = committee.post(
        poll_url(election, "trustees/"),
        {"action": "upload", "name": "見本 鍵子", "pubkey": SimpleUploadedFile("t.pubkey", pubkey)},
    )
    assert response.status_code == 302
    trustee = Trustee.objects.get(election=election)
    assert (trustee.position, trustee.name) == (1, "見本 鍵子")
    bad = committee.post(
        poll_url(election, "trustees/"),
        {"action": "upload", "name": "見本 偽子", "pubkey": SimpleUploadedFile("t.pubkey", pubkey.replace(b"1", b"2"))},
    )
    assert bad.status_code == 422
    assert "voting.trustee." in alert(bad)


def test_opening_without_credentials_is_refused_and_the_reason_shown(committee: Client) -> None:
    election = create_poll(committee)
    make_resident(SAKU)
    committee.post(poll_url(election, "voters/"), {"action": "enroll"})
    path = invite(committee, election, "見本 管理者")
    _x, pubkey = key_pair(group_by_name(election.group))
    assert Client().post(path, {"action": "register", "public_key": pubkey.decode()}).status_code == 302

    status = committee.get(poll_url(election)).content.decode()
    assert 'id="check-voters" data-ready="yes"' in status
    assert 'id="check-trustees" data-ready="yes"' in status
    assert 'id="check-credentials" data-ready="no"' in status
    response = committee.post(poll_url(election), {"action": "open"})
    assert response.status_code == 409
    assert "voting.election.incomplete" in alert(response)
    election.refresh_from_db()
    assert election.state == ElectionState.DRAFT


def test_trustee_link_unknown_is_a_404_page_and_a_probe_is_audited(db: None) -> None:
    response = Client().get("/polls/trustee/not-a-real-link/")
    assert response.status_code == 404
    assert "voting.trustee_link.unknown" in response.content.decode()
    before = AuditRecord.objects.filter(data__code="voting.trustee_link.unknown").count()
    response = Client().post("/polls/trustee/not-a-real-link/", {"action": "register", "public_key": "{}"})
    assert response.status_code == 404
    assert AuditRecord.objects.filter(data__code="voting.trustee_link.unknown").count() == before + 1


def test_a_trustee_registers_by_link_once(committee: Client) -> None:
    election = create_poll(committee)
    path = invite(committee, election, "見本 管理者乙")
    group = group_by_name(election.group)
    _x, pubkey = key_pair(group)
    trustee = Client()

    malformed = trustee.post(path, {"action": "register", "public_key": '{"pok":1}'})
    assert malformed.status_code == 422
    assert "voting.trustee.malformed" in alert(malformed)

    response = trustee.post(path, {"action": "register", "public_key": pubkey.decode()})
    assert response.status_code == 302
    invitation = TrusteeInvitation.objects.select_related("trustee").get(election=election)
    assert invitation.trustee is not None
    assert (invitation.trustee.name, invitation.trustee.position) == ("見本 管理者乙", 1)
    assert invitation.trustee.public_key == json.loads(pubkey)["public_key"]
    record = AuditRecord.objects.filter(chain_id=SAKU, tag="voting:trustee:registered").latest("seq")
    assert record.actor == f"trustee-link:{invitation.pk}"
    page = trustee.get(path).content.decode()
    assert 'data-step="waiting"' in page

    _y, other = key_pair(group)
    again = trustee.post(
        path, {"action": "register", "public_key_file": SimpleUploadedFile("t.pubkey", other), "public_key": ""}
    )
    assert again.status_code == 409
    assert "voting.trustee_link.used" in alert(again)
    assert Trustee.objects.filter(election=election).count() == 1


# ---------------------------------------------------------------- the whole poll without JavaScript


def test_open_close_early_decrypt_by_link_and_compute_the_result(committee: Client) -> None:
    election = create_poll(committee)
    residents: list[Resident] = [make_resident(SAKU, f"見本 有権者{i}") for i in range(2)]
    committee.post(poll_url(election, "voters/"), {"action": "enroll"})
    group = group_by_name(election.group)
    keys = []
    links = []
    for name in ("見本 甲", "見本 乙"):
        link = invite(committee, election, name)
        x, pubkey = key_pair(group)
        assert Client().post(link, {"action": "register", "public_key": pubkey.decode()}).status_code == 302
        keys.append(x)
        links.append(link)
    secrets_ = [credential_secret(group, credential_generate(), election.uuid) for _ in residents]
    credentials_register(
        actor=OPERATOR, election=election, public_credentials=[group.to_str(group.g_pow(s)) for s in secrets_]
    )
    assert committee.post(poll_url(election), {"action": "open"}).status_code == 302
    election.refresh_from_db()
    assert election.state == ElectionState.OPEN

    for resident, secret, vote in zip(residents, secrets_, ([0, 1, 0], [0, 1, 0]), strict=True):
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
        ballot_cast(
            actor=Actor.for_user(resident.person.user, channel=Channel.WEB),
            election=election,
            resident=resident,
            ballot_json=json_dumps(ballot),
        )

    unconfirmed = committee.post(poll_url(election), {"action": "close"})
    assert unconfirmed.status_code == 422
    assert "voting.form.confirm" in alert(unconfirmed)
    assert committee.post(poll_url(election), {"action": "close", "confirm": "on"}).status_code == 302
    election.refresh_from_db()
    assert election.state == ElectionState.CLOSED

    page = Client().get(links[0]).content.decode()
    assert 'data-step="decrypt"' in page
    assert "hiroba voting trustee-decrypt" in page

    def decryption(x: int) -> bytes:
        pairs = [
            [decryption_factor_prove(group, election.fingerprint, x, ct.alpha) for ct in row]
            for row in encrypted_tally_get(election=election)
        ]
        return json_dumps(
            {
                "decryption_factors": [[group.to_str(f) for f, _ in row] for row in pairs],
                "decryption_proofs": [[proof_json(p) for _, p in row] for row in pairs],
            }
        )

    # trustee 1 sends trustee 2's decryption: the proofs do not hold for trustee 1's key
    wrong = Client().post(
        links[0], {"action": "decrypt", "decryption_file": SimpleUploadedFile("d.json", decryption(keys[1]))}
    )
    assert wrong.status_code == 422
    assert "voting.decryption.invalid_proof" in alert(wrong)

    status = committee.get(poll_url(election)).content.decode()
    assert 'value="result"' not in status
    for link, x in zip(links, keys, strict=True):
        response = Client().post(
            link, {"action": "decrypt", "decryption_file": SimpleUploadedFile("d.json", decryption(x))}
        )
        assert response.status_code == 302
        assert 'data-step="done"' in Client().get(link).content.decode()

    status = committee.get(poll_url(election)).content.decode()
    assert 'value="result"' in status
    assert committee.post(poll_url(election), {"action": "result"}).status_code == 302
    election.refresh_from_db()
    assert election.state == ElectionState.TALLIED
    assert election.result == [[0, 2, 0]]
    page = committee.get(poll_url(election)).content.decode()
    table = re.search(r'<table class="result">.*?</table>', page, re.S)
    assert table
    cells = re.findall(r"<th scope=\"row\">(.*?)</th><td class=\"num\">(\d+)</td>", table.group(0))
    assert cells[:2] == [("賛成", "2"), ("反対", "0")]
    assert cells[2][1] == "0"  # blank votes


# ---------------------------------------------------------------- tenancy


def test_another_towns_committee_and_staff_without_the_role_get_403_everywhere(committee: Client) -> None:
    election = create_poll(committee)
    invite(committee, election, "見本 管理者")
    saku_pages = ["", "new/", f"{election.uuid}/", f"{election.uuid}/questions/"]
    saku_pages += [f"{election.uuid}/voters/", f"{election.uuid}/trustees/"]
    posts = {
        f"{election.uuid}/": {"action": "open"},
        f"{election.uuid}/questions/": {"action": "remove", "index": "0"},
        f"{election.uuid}/voters/": {"action": "enroll"},
        f"{election.uuid}/trustees/": {"action": "invite", "name": "見本 侵入者"},
        "new/": {"title": "乗っ取り", "q_kind": "yes_no", "q_text": "x"},
    }
    for username in ("saitama-counter", "saku-admin"):
        attacker = staff_client(username)
        for page in saku_pages:
            assert attacker.get(f"/staff/m/{SAKU}/polls/{page}").status_code == 403, (username, page)
        for page, body in posts.items():
            assert attacker.post(f"/staff/m/{SAKU}/polls/{page}", body).status_code == 403, (username, page)
    # Saitama's committee naming Saku's poll under its own town
    attacker = staff_client("saitama-counter")
    for page in saku_pages[2:]:
        assert attacker.get(f"/staff/m/{SAITAMA}/polls/{page}").status_code == 403, page
    for page, body in posts.items():
        if page != "new/":
            assert attacker.post(f"/staff/m/{SAITAMA}/polls/{page}", body).status_code == 403, page
    election.refresh_from_db()
    assert election.state == ElectionState.DRAFT
    assert len(election.questions) == 1
    assert not Voter.objects.filter(election=election).exists()
    assert TrusteeInvitation.objects.filter(election=election).count() == 1
    assert not Election.objects.filter(title="乗っ取り").exists()
    # and a resident or a visitor is sent to sign in
    assert Client().get(f"/staff/m/{SAKU}/polls/").status_code == 302
