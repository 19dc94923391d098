"""Expiry notices: the letter PDF (A4, large print, Japanese, window-envelope address), the batch service (letters,
SMS and calls by each resident's choice, once per resident and expiry date), the counter's page and the command."""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hiroba.assist.events import AssistEvent
from hiroba.assist.formats.letter import Recipient, Sender, expiry_letters_pdf
from hiroba.assist.formats.phone import day as written_day
from hiroba.assist.selectors import letter_batch_pdf, letter_batches
from hiroba.assist.services.channels import contact_preference_set, expiry_notices_send
from hiroba.assist.tests.test_channels import outbox, resident_actor, saku, with_coins
from hiroba.core.audit import Actor, audit_verify
from hiroba.core.errors import AppError, NotFound
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Resident, User
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import Municipality
from hiroba.wallet.formats.tests import pdf as pdf_reader

pytestmark = pytest.mark.django_db
__all__ = ["outbox", "saku"]  # fixtures shared with test_channels

A4 = (595.2756, 841.8898)
COIN_DAYS = 180  # the area's default coin lifetime
OPERATOR = Actor.command_line()


def _font_sizes(pdf: bytes) -> set[float]:
    """The font size of every text the pages show (`BT /F1 16 Tf … (…) Tj ET`); reportlab writes page streams in
    ASCII85 over Flate."""
    sizes: set[float] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for block in re.findall(rb"BT (.*?) ET", content, re.DOTALL):
            if re.search(rb"\) ?Tj|\] ?TJ", block):
                sizes |= {float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", block)}
    return sizes


# ---------------------------------------------------------------- the PDF


def test_letters_are_large_print_a4_pages_with_the_address_in_the_window(tmp_path: Path) -> None:
    # given two residents' letters
    hanako_coins = [(date(2026, 12, 31), 300), (date(2027, 3, 31), 1_200)]
    recipients = [
        Recipient("385-0051", "長野県佐久市中込3056 見本荘101", "見本 花子", hanako_coins),
        Recipient("384-8501", "長野県小諸市相生町3-3-3", "見本 太郎", [(date(2026, 12, 31), 50)]),
    ]
    sender = Sender(town="佐久市", department="担当課")

    # when they are drawn
    pdf = expiry_letters_pdf(
        recipients=recipients, sender=sender, coin_name="佐久地域コイン", issued_on=date(2026, 11, 26)
    )

    # then one A4 page each, the same bytes every time, nothing under 14 pt
    assert pdf_reader.pages(pdf) == [A4, A4]
    assert pdf == expiry_letters_pdf(
        recipients=recipients, sender=sender, coin_name="佐久地域コイン", issued_on=date(2026, 11, 26)
    )
    assert min(_font_sizes(pdf)) >= 14
    # and the Japanese reads back, page by page
    text = pdf_reader.text(pdf)
    if text is None:
        pytest.skip("pdftotext is not installed")
    first, second = text.split("\f")[:2]
    for expected in ("〒385-0051", "見本 花子 様", "佐久地域コインの有効期限のお知らせ", "2026年12月31日", "300円",
                     "2027年3月31日", "1,200円", "佐久市", "担当課", "2026年11月26日"):  # fmt: skip
        assert expected in first, expected
    assert "見本 太郎 様" in second
    assert "見本 花子" not in second
    # the address block is the first thing on the page: what shows through the envelope's window
    assert first.lstrip().startswith("〒385-0051\n長野県佐久市中込3056")


# ---------------------------------------------------------------- the service


def _choose(resident: Resident, channel: str, **details: str) -> None:
    contact_preference_set(resident=resident, channel=channel, **details, actor=resident_actor(resident))


@pytest.fixture
def town(saku: dict[str, Any]) -> dict[str, Any]:
    """Four residents of 佐久市 with coins, one per channel, and one of 小諸市 with letters."""
    today = timezone.localdate()
    people = {
        "letter": make_resident("202177", "見本 花子"),
        "sms": make_resident("202177", "見本 一郎"),
        "phone": make_resident("202177", "見本 梅"),
        "app": make_resident("202177", "見本 次郎"),
    }
    for resident in people.values():
        with_coins(resident, 1_200, on=today)
    _choose(people["letter"], "letter", postal_code="385-0051", address="長野県佐久市中込3056")
    _choose(people["sms"], "sms", phone="090-1111-2222")
    _choose(people["phone"], "phone", phone="0267-62-2111")
    _choose(people["app"], "app")
    _choose(
        with_coins(saku["taro"], 500, on=today), "letter", postal_code="384-8501", address="長野県小諸市相生町3-3-3"
    )
    return {
        "people": people,
        "saku": Municipality.objects.get(lg_code="202177"),
        "expires": today + timedelta(COIN_DAYS),
    }


def test_notices_go_out_by_each_residents_choice_once_per_expiry_date(town: dict[str, Any], outbox: Path) -> None:
    # given coins that expire 20 days after the run's date
    on = town["expires"] - timedelta(days=20)

    # when the counter sends the notices for coins expiring within 30 days
    pdf, counts = expiry_notices_send(municipality=town["saku"], on=on, within_days=30, actor=OPERATOR)

    # then one letter to print (not the other town's resident), one SMS and one call through the gateway
    assert counts == {"letter": 1, "sms": 1, "phone": 1}
    assert pdf is not None
    assert len(pdf_reader.pages(pdf)) == 1
    text = pdf_reader.text(pdf)
    assert text is None or ("見本 花子 様" in text and "1,200円" in text and "見本 太郎" not in text)
    messages = {m["channel"]: m for m in (json.loads(f.read_text(encoding="utf-8")) for f in outbox.glob("*.json"))}
    assert set(messages) == {"sms", "phone"}
    day = town["expires"]
    assert messages["sms"]["to"] == "09011112222"
    last_day = written_day(day, today=on)[0]
    assert messages["sms"]["text"] == (
        f"佐久市からのお知らせです。佐久地域コイン(見本)のうち1,200円を使えるのは{last_day}までです。お早めにお使いください。"
    )
    assert messages["phone"]["to"] == "0267622111"
    assert messages["phone"]["script"].startswith('<speak version="1.1" xml:lang="ja-JP">')
    assert "<sub alias=" in messages["phone"]["script"]

    # and the audit log has one record per message, with the channel and the kind, never the number or text
    sent = AuditRecord.objects.filter(tag=AssistEvent.MESSAGE_SENT).order_by("seq")
    assert sorted(r.data["channel"] for r in sent) == ["letter", "phone", "sms"]
    assert all(r.data["kind"] == "expiry_notice" and r.data["expires_on"] == [day.isoformat()] for r in sent)
    dumped = json.dumps([r.data for r in AuditRecord.objects.all()], ensure_ascii=False)
    for secret in ("09011112222", "0267622111", "中込", "お知らせです"):
        assert secret not in dumped
    assert AuditRecord.objects.get(tag=AssistEvent.LETTERS_PRINTED).data["letters"] == 1

    # when the run is repeated (the next morning, with the same window)
    again = expiry_notices_send(municipality=town["saku"], on=on + timedelta(days=1), within_days=30, actor=OPERATOR)

    # then nobody is told twice
    assert again == (None, {"letter": 0, "sms": 0, "phone": 0})
    assert len(list(outbox.glob("*.json"))) == 2
    assert audit_verify()[1] == []


def test_a_new_expiry_date_is_notified_again(town: dict[str, Any]) -> None:
    hanako = town["people"]["letter"]
    on = town["expires"] - timedelta(days=20)
    expiry_notices_send(municipality=town["saku"], on=on, within_days=30, actor=OPERATOR)

    # coins converted a week later expire a week later: a new date, so a new letter (listing both dates)
    with_coins(hanako, 300, on=timezone.localdate() + timedelta(days=7))
    pdf, counts = expiry_notices_send(
        municipality=town["saku"], on=on + timedelta(days=7), within_days=30, actor=OPERATOR
    )

    assert counts == {"letter": 1, "sms": 0, "phone": 0}
    assert pdf is not None
    text = pdf_reader.text(pdf)
    assert text is None or ("1,200円" in text and "300円" in text)


def test_a_failing_gateway_records_nothing_and_the_next_run_sends(town: dict[str, Any], settings: Any) -> None:
    settings.ASSIST_GATEWAY = "hiroba.assist.tests.test_letters.BrokenGateway"
    on = town["expires"] - timedelta(days=20)
    with pytest.raises(ConnectionError):
        expiry_notices_send(municipality=town["saku"], on=on, within_days=30, actor=OPERATOR)
    assert sorted(AuditRecord.objects.filter(tag=AssistEvent.MESSAGE_SENT).values_list("data__channel", flat=True)) == [
        "letter"  # the letters were printed before the first SMS failed
    ]

    settings.ASSIST_GATEWAY = "hiroba.assist.gateways.FileGateway"
    _, counts = expiry_notices_send(municipality=town["saku"], on=on, within_days=30, actor=OPERATOR)
    assert counts == {"letter": 0, "sms": 1, "phone": 1}


class BrokenGateway:
    def send_sms(self, to: str, text: str) -> str:  # noqa: ARG002 (the gateway protocol's signature)
        raise ConnectionError("the provider is down")

    def call(self, to: str, script: str) -> str:  # noqa: ARG002 (the gateway protocol's signature)
        raise ConnectionError("the provider is down")


def test_batches_are_listed_and_downloaded_again_by_their_town_only(town: dict[str, Any]) -> None:
    on = town["expires"] - timedelta(days=20)
    pdf, _ = expiry_notices_send(municipality=town["saku"], on=on, within_days=30, actor=OPERATOR)
    [batch] = letter_batches(municipality=town["saku"])
    assert (batch.letters, batch.on, batch.within_days) == (1, on.isoformat(), 30)
    assert letter_batch_pdf(municipality=town["saku"], name=batch.name) == pdf

    komoro = Municipality.objects.get(lg_code="202088")
    for name, municipality in ((batch.name, komoro), ("../202177/" + batch.name, town["saku"])):
        with pytest.raises(NotFound):
            letter_batch_pdf(municipality=municipality, name=name)


def test_only_the_towns_counter_or_admin_may_send(town: dict[str, Any]) -> None:
    on = town["expires"] - timedelta(days=20)
    for username in ("saku-health", "komoro-counter", "agency"):
        actor = Actor.for_user(User.objects.get(username=username), channel=OPERATOR.channel)
        with pytest.raises(AppError) as caught:
            expiry_notices_send(municipality=town["saku"], on=on, within_days=30, actor=actor)
        assert caught.value.code == "tenancy.forbidden"
    with pytest.raises(AppError) as caught:
        expiry_notices_send(municipality=town["saku"], on=on, within_days=0, actor=OPERATOR)
    assert caught.value.code == "assist.within_days"
    assert not AuditRecord.objects.filter(tag=AssistEvent.MESSAGE_SENT).exists()


# ---------------------------------------------------------------- the page and the command


def test_the_counter_runs_the_notices_on_its_page_and_downloads_the_letters(
    town: dict[str, Any], client: Client, login: Any
) -> None:
    page = login("saku-counter")
    url = "/staff/m/202177/assist/letters/"
    assert page.get(url).status_code == 200

    on = town["expires"] - timedelta(days=20)
    done = page.post(url, {"on": on.isoformat(), "within_days": "30"}, follow=True)
    assert done.status_code == 200
    assert 'data-testid="batch-1"' in done.content.decode()
    [batch] = letter_batches(municipality=town["saku"])
    download = page.get(url, {"file": batch.name})
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert page.get(url, {"file": "expiry-20260101-0123456789ab.pdf"}).status_code == 404

    refused = page.post(url, {"on": "not a date", "within_days": "0"})
    assert refused.status_code == 422
    assert login("saku-health").get(url).status_code == 403


def test_the_command_writes_the_pdf_and_prints_the_counts(town: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    on = town["expires"] - timedelta(days=20)
    args = ["--municipality", "202177", "--date", on.isoformat(), "--within-days", "30", "--out", str(tmp_path)]
    call_command("assist_letters", *args)
    out = capsys.readouterr().out
    assert "202177\tletters 1\tsms 1\tphone 1" in out
    written = tmp_path / f"expiry-letters-202177-{on:%Y%m%d}.pdf"
    assert written.read_bytes().startswith(b"%PDF-")

    written.unlink()
    call_command("assist_letters", *args)
    assert "202177\tletters 0\tsms 0\tphone 0" in capsys.readouterr().out
    assert not written.exists()
