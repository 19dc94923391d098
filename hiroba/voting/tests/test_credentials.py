"""The credential authority: its role, the letters (PDF), its page, and the online delivery after card sign-in."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import stat
import subprocess
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest
import segno
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.voting.crypto.credentials import credential_generate, credential_is_well_formed, credential_secret
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.events import VotingEvent
from hiroba.voting.formats.letter import LetterPoll, LetterVoter, credential_letters_pdf
from hiroba.voting.models import CredentialDelivery, Election, PublicCredential, SealedCredential, Voter
from hiroba.voting.selectors import credential_delivered, voter_reference
from hiroba.voting.services import (
    credentials_issue_online,
    credentials_register,
    election_close,
    election_create,
    election_open,
    trustee_register,
    voters_enroll,
)
from hiroba.voting.tests.test_elections import (
    FIRST,
    QUESTIONS,
    SAITAMA,
    SAKU,
    Poll,
    authority,
    committee,
    refused,
    towns,  # noqa: F401 - the autouse fixture making the two towns
    trustee_key_json,
)
from hiroba.wallet.formats.tests import pdf as pdf_reader

pytestmark = pytest.mark.django_db

NAMES = ["見本 一子", "見本 二郎", "見本 三恵"]
SITE = "https://hiroba.example.jp"


def draft(*, delivery: str = CredentialDelivery.LETTER, names: list[str] = NAMES) -> tuple[Election, list[Resident]]:
    """A draft poll of 佐久市 with its voters enrolled and one trustee registered: ready for the credentials."""
    actor = committee(SAKU)
    residents = [make_resident(SAKU, name) for name in names]
    now = timezone.now()
    election = election_create(
        actor=actor,
        lg_code=SAKU,
        title="駅前整備についての住民投票",
        questions=QUESTIONS,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
        credential_delivery=delivery,
    )
    voters_enroll(actor=actor, election=election, imported=[(r.pairwise_id, 1 + i) for i, r in enumerate(residents)])
    group = group_by_name(election.group)
    trustee_register(actor=actor, election=election, name="管理者", public_key_json=trustee_key_json(group, 7))
    return election, residents


def public_lines(election: Election, count: int) -> list[str]:
    group = group_by_name(election.group)
    return [f"{group.to_str(group.g_pow(11 + i))},1" for i in range(count)]


# ------------------------------------------------------------------------------------------------ the role


def test_only_the_towns_credential_authority_registers_credentials() -> None:
    election, _ = draft()
    lines = public_lines(election, 1)
    # the committee's role is not enough: refused with its own code, audited, nothing registered
    error = refused(
        "voting.credentials.not_the_authority",
        lambda: credentials_register(actor=committee(SAKU), election=election, public_credentials=lines),
        election,
    )
    assert error.status == 403
    record = AuditRecord.objects.get(tag=VotingEvent.REFUSED, data__code="voting.credentials.not_the_authority")
    assert record.data["act"] == "credentials_register"
    assert record.chain_id == SAKU
    # another town's credential authority is refused by tenancy
    refused(
        "tenancy.forbidden",
        lambda: credentials_register(actor=authority(SAITAMA), election=election, public_credentials=lines),
        election,
    )
    refused(
        "tenancy.forbidden",
        lambda: credentials_issue_online(actor=authority(SAITAMA), election=election),
        election,
    )
    assert not PublicCredential.objects.filter(election=election).exists()
    # the town's own authority registers
    assert credentials_register(actor=authority(SAKU), election=election, public_credentials=lines) == 1
    registered = AuditRecord.objects.get(tag=VotingEvent.CREDENTIALS_REGISTERED)
    assert registered.data == {"added": 1, "total": 1, "delivery": "letter"}


# ------------------------------------------------------------------------------------------------ the letters


def _pdf_pages_text(pdf: bytes) -> list[str]:
    text = pdf_reader.text(pdf)
    assert text is not None, "pdftotext (poppler-utils, with poppler-data for Japanese) is needed"
    return text.split("\f")[:-1]


def _qr_matrix_of_page(pdf_path: Path, page: int, tmp: Path) -> list[list[int]]:
    """The QR image drawn on `page`, read back module by module (dark = 1) from the PNG pdfimages extracts."""
    prefix = tmp / f"qr-{page}"
    subprocess.run(["pdfimages", "-png", "-f", str(page), "-l", str(page), str(pdf_path), str(prefix)], check=True)
    (png,) = sorted(tmp.glob(f"qr-{page}-*.png"))
    image = Image.open(png).convert("L")
    side = image.width
    assert image.height == side
    # segno's PNG: `scale` pixels per module and a quiet zone of 4 modules on each side
    for modules in range(21, 178, 4):
        if side % (modules + 8) == 0:
            break
    else:
        raise AssertionError(f"no QR size fits an image of {side} px")
    scale = side // (modules + 8)

    def dark(x: int, y: int) -> int:
        value = image.getpixel(((4 + x) * scale + scale // 2, (4 + y) * scale + scale // 2))
        return 1 if isinstance(value, int) and value < 128 else 0

    return [[dark(x, y) for x in range(modules)] for y in range(modules)]


def test_the_command_writes_letters_one_page_per_voter(tmp_path: Path) -> None:
    # given a draft poll of three voters
    election, residents = draft()
    out = tmp_path / "letters"

    # when the operator runs the credential authority with --letters
    call_command(
        "voting_credentials", election.uuid, "--out", str(out), "--letters", "--site", SITE, stdout=io.StringIO()
    )

    # then the TSV and the PDF are private files
    tsv, pdf_path = out / f"{election.uuid}.credentials.tsv", out / f"{election.uuid}-letters.pdf"
    for path in (tsv, pdf_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = {
        pid: credential for pid, _, credential in (line.split("\t") for line in tsv.read_text().splitlines()[1:])
    }
    # and the PDF has one A4 page per voter with the name, reference, credential, booth address and closing day
    pdf = pdf_path.read_bytes()
    assert len(pdf_reader.pages(pdf)) == 3
    pages = _pdf_pages_text(pdf)
    assert len(pages) == 3
    booth = f"{SITE}/polls/{election.uuid}/vote/"
    closes = timezone.localtime(election.closes_at)
    by_name = {}
    for page_number, text in enumerate(pages, start=1):
        (name,) = [n for n in NAMES if f"{n} 様" in text]
        resident = residents[NAMES.index(name)]
        credential = credentials[resident.pairwise_id]
        assert credential_is_well_formed(credential)
        assert credential in text
        assert voter_reference(resident.pairwise_id) in text
        flat = text.replace("\n", "")
        assert booth in flat
        assert f"{closes.year}年{closes.month}月{closes.day}日" in flat
        assert "たずねることは絶対にありません" in flat
        assert "My Number Card" in text.replace("\n", " ")
        for other in set(credentials.values()) - {credential}:
            assert other not in text
        # and the QR code on the page is the same voter's credential
        expected = [
            [int(bool(module)) for module in row] for row in segno.make_qr(credential.encode(), error="m").matrix
        ]
        assert _qr_matrix_of_page(pdf_path, page_number, tmp_path) == expected
        by_name[name] = credential
    assert len(by_name) == 3
    # and only the public credentials reached the server
    group = group_by_name(election.group)
    stored = set(PublicCredential.objects.filter(election=election).values_list("credential", "weight"))
    weights = dict(Voter.objects.filter(election=election).values_list("pairwise_id", "weight"))
    assert stored == {
        (group.to_str(group.g_pow(credential_secret(group, c, election.uuid))), weights[pid])
        for pid, c in credentials.items()
    }


def _font_sizes(pdf: bytes) -> set[float]:
    """The font size of every text the pages show (`BT /F1 16 Tf … (…) Tj ET`), from the page streams (ASCII85 over
    Flate, as reportlab writes them; the QR images are skipped)."""
    sizes: set[float] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for block in re.findall(rb"BT (.*?) ET", content, re.DOTALL):
            if re.search(rb"\) ?Tj|\] ?TJ", block):
                sizes |= {float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", block)}
    return sizes


def test_letters_are_the_same_bytes_for_the_same_input_and_large_print() -> None:
    poll = LetterPoll(
        town="佐久市",
        title="住民投票",
        booth_url=f"{SITE}/polls/AbCdEfGh123456/vote/",
        closes_at=dt.datetime(2026, 7, 5, 20, tzinfo=dt.UTC),
    )
    voters = [LetterVoter(name=n, reference="ABCD-EFGH", credential=credential_generate()) for n in NAMES]
    pdf = credential_letters_pdf(poll=poll, voters=voters)
    assert pdf == credential_letters_pdf(poll=poll, voters=voters)
    assert pdf != credential_letters_pdf(poll=poll, voters=voters[::-1])
    sizes = _font_sizes(pdf)
    assert sizes
    assert min(sizes) >= 14, sizes
    assert "2026年7月5日(日) 20時00分" in "".join(_pdf_pages_text(pdf))


# ------------------------------------------------------------------------------------------------ online delivery


def _open(election: Election) -> Election:
    return election_open(actor=committee(SAKU), election=election)


def test_online_delivery_shows_each_voter_only_their_own_credential_while_open() -> None:
    # given an online-delivery poll whose credentials the authority issued
    election, residents = draft(delivery=CredentialDelivery.ONLINE)
    assert credentials_issue_online(actor=authority(SAKU), election=election) == 3
    assert SealedCredential.objects.filter(election=election).count() == 3
    assert PublicCredential.objects.filter(election=election).count() == 3
    record = AuditRecord.objects.get(tag=VotingEvent.CREDENTIALS_REGISTERED)
    assert record.data == {"added": 3, "total": 3, "delivery": "online"}
    # (nothing is shown while the poll is a draft, and the sealed rows do not hold the credential in clear)
    assert credential_delivered(election=election, resident=residents[0]) is None
    election = _open(election)

    # when each voter signs in, they get their own credential
    shown = [credential_delivered(election=election, resident=r) for r in residents]
    assert all(c is not None and credential_is_well_formed(c) for c in shown)
    assert len(set(shown)) == 3
    for row in SealedCredential.objects.filter(election=election):
        assert not any(str(c).encode() in bytes(row.sealed) for c in shown)
    # and someone who is not on the list gets nothing
    assert credential_delivered(election=election, resident=make_resident(SAKU, "名簿にない住民")) is None
    assert credential_delivered(election=election, resident=make_resident(SAITAMA, "他市の住民")) is None

    # and the credential shown casts a valid ballot
    group = group_by_name(election.group)
    poll = Poll(
        election=election,
        actor=committee(SAKU),
        residents=residents,
        secrets=[credential_secret(group, str(c), election.uuid) for c in shown],
        keys=[],
    )
    event = poll.cast(1, poll.ballot(1, FIRST))
    assert event.credential in set(
        PublicCredential.objects.filter(election=election).values_list("credential", flat=True)
    )

    # when the poll closes, the sealed credentials are deleted and nothing is shown any more
    election_close(actor=committee(SAKU), election=election)
    assert not SealedCredential.objects.filter(election=election).exists()
    assert credential_delivered(election=election, resident=residents[0]) is None


def test_a_sealed_credential_moved_to_another_voter_is_not_shown() -> None:
    election, residents = draft(delivery=CredentialDelivery.ONLINE, names=NAMES[:2])
    credentials_issue_online(actor=authority(SAKU), election=election)
    election = _open(election)
    first, second = (SealedCredential.objects.get(voter__pairwise_id=r.pairwise_id) for r in residents)
    second.sealed, first.sealed = bytes(first.sealed), b"\x00" * 64
    second.save()
    first.save()
    assert credential_delivered(election=election, resident=residents[1]) is None  # bound to the first voter
    assert credential_delivered(election=election, resident=residents[0]) is None  # unreadable


def test_each_delivery_refuses_the_other_way_of_issuing() -> None:
    letter, _ = draft()
    refused(
        "voting.credentials.letter_poll",
        lambda: credentials_issue_online(actor=authority(SAKU), election=letter),
        letter,
    )
    assert not SealedCredential.objects.exists()
    online, _ = draft(delivery=CredentialDelivery.ONLINE)
    refused(
        "voting.credentials.online_poll",
        lambda: credentials_register(
            actor=authority(SAKU), election=online, public_credentials=public_lines(online, 1)
        ),
        online,
    )
    refused(
        "voting.credentials.not_the_authority",
        lambda: credentials_issue_online(actor=committee(SAKU), election=online),
        online,
    )
    credentials_issue_online(actor=authority(SAKU), election=online)
    refused(
        "voting.credentials.already_issued",
        lambda: credentials_issue_online(actor=authority(SAKU), election=online),
        online,
    )
    assert SealedCredential.objects.filter(election=online).count() == 3


def test_the_command_issues_online_credentials() -> None:
    election, residents = draft(delivery=CredentialDelivery.ONLINE, names=NAMES[:1])
    out = io.StringIO()
    call_command("voting_credentials", election.uuid, "--online", stdout=out)
    assert "issued 1" in out.getvalue()
    election = _open(election)
    assert credential_delivered(election=election, resident=residents[0]) is not None


# ------------------------------------------------------------------------------------------------ the page


def _client(actor: Any) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def _url(election: Election, lg_code: str = SAKU) -> str:
    return f"/staff/m/{lg_code}/polls/{election.uuid}/credentials/"


def test_the_page_lists_the_voters_for_the_authority_only() -> None:
    election, residents = draft()
    page = _client(authority(SAKU)).get(_url(election))
    assert page.status_code == 200
    html = page.content.decode()
    for resident, name in zip(residents, NAMES, strict=True):
        assert name in html
        assert voter_reference(resident.pairwise_id) in html
    assert "hiroba voting credentials" in html  # what to do without JavaScript
    assert 'type="module"' in html
    assert _client(committee(SAKU)).get(_url(election)).status_code == 403
    assert _client(authority(SAITAMA)).get(_url(election)).status_code == 403
    assert _client(authority(SAITAMA)).get(_url(election, SAITAMA)).status_code == 404


def test_the_page_registers_posted_public_credentials() -> None:
    election, _ = draft()
    client = _client(authority(SAKU))
    lines = public_lines(election, 3)
    response = client.post(_url(election), data=json.dumps(lines), content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"registered": 3, "total": 3}
    assert PublicCredential.objects.filter(election=election).count() == 3
    again = client.post(_url(election), data=json.dumps(lines[:1]), content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "voting.credentials.duplicate"
    bad = client.post(_url(election), data="{}", content_type="application/json")
    assert bad.json()["code"] == "voting.credentials.malformed"
    assert 'data-testid="registered-count">3<' in client.get(_url(election)).content.decode()
    committee_post = _client(committee(SAKU)).post(_url(election), data="[]", content_type="application/json")
    assert committee_post.status_code == 403


def test_the_page_issues_online_credentials_with_one_button() -> None:
    election, _ = draft(delivery=CredentialDelivery.ONLINE)
    client = _client(authority(SAKU))
    page = client.get(_url(election)).content.decode()
    assert 'data-testid="issue-online"' in page
    assert "data-letter" not in page  # no letters: the server issues them
    response = client.post(_url(election))
    assert response.status_code == 302
    assert SealedCredential.objects.filter(election=election).count() == 3
    refused_again = client.post(_url(election))
    assert refused_again.status_code == 409
    assert "voting.credentials.already_issued" in refused_again.content.decode()


def test_the_authority_finds_the_polls_that_need_credentials_and_the_committee_does_not() -> None:
    election, _residents = draft()
    credentials_register(actor=authority(SAKU), election=election, public_credentials=public_lines(election, 1))
    issuer, chair = Client(), Client()
    issuer_user, chair_user = authority(SAKU).user, committee(SAKU).user
    assert issuer_user is not None
    assert chair_user is not None
    issuer.force_login(issuer_user)
    chair.force_login(chair_user)
    page = issuer.get(f"/staff/m/{SAKU}/polls/credentials/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/staff/m/{SAKU}/polls/{election.uuid}/credentials/" in html
    assert f'data-testid="credentials-{election.uuid}">1<' in html  # 1 of the 3 voters' credentials registered
    refused = chair.get(f"/staff/m/{SAKU}/polls/credentials/")
    assert refused.status_code == 403
    assert election.uuid not in refused.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_online_issuance_pressed_twice_at_once_issues_one_credential_per_voter() -> None:
    election, residents = draft(delivery=CredentialDelivery.ONLINE)
    issuer = authority(SAKU)
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def issue(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = credentials_issue_online(actor=issuer, election=election)
        except AppError as refusal:
            outcomes[i] = refusal.code
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == [str(len(residents)), "voting.credentials.already_issued"]
    assert PublicCredential.objects.filter(election=election).count() == len(residents)
    assert SealedCredential.objects.filter(election=election).count() == len(residents)
