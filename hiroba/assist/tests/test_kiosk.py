"""A printed card's balance at the town office's kiosk and on the automated phone line: the PIN rules of a shop
(wrong PINs counted, the fifth locks), a proxy's card only with the balance scope, and the script the line reads
(figures written as read, with kana readings for the speech engine)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from hiroba.assist.events import AssistEvent
from hiroba.assist.formats.phone import MAX_NUMBER, balance_script, day, number_reading
from hiroba.assist.models import Delegation, Scope
from hiroba.assist.tests.test_channels import outbox, saku, with_coins
from hiroba.core.audit import Actor
from hiroba.core.models import AuditRecord
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.wallet.models import CardStatus, PrintedCard
from hiroba.wallet.services import cards

__all__ = ["outbox", "saku"]  # fixtures shared with test_channels

PIN = "2580"
COIN_DAYS = 180
SECRET = "phone-line-secret-" + "s" * 20
OPERATOR = Actor.command_line()


def card_for(resident: Resident, *, delegation: Delegation | None = None, pin: str = PIN) -> PrintedCard:
    card, _ = cards.card_issue(resident=resident, pin=pin, daily_limit=5_000, actor=OPERATOR, delegation=delegation)
    return card


def proxy_card(resident: Resident, scopes: list[str]) -> PrintedCard:
    """A proxy's card for the resident, with a delegation granting `scopes` (written directly)."""
    proxy = make_resident("202177", "見本 代理人")
    assert proxy.person is not None
    now, today = timezone.now(), timezone.localdate()
    delegation = Delegation.objects.create(
        resident=resident, proxy=proxy.person.user, scopes=scopes, starts_on=today, ends_on=today + timedelta(days=30),
        basis="resident", created_at=now, created_by=proxy.person.user, changed_at=now,
    )  # fmt: skip
    return card_for(resident, delegation=delegation, pin="4071")


@pytest.fixture
def hanako(saku: dict[str, Any]) -> Resident:
    return with_coins(saku["hanako"], 1_200)


def _kiosk(client: Client, card: PrintedCard | str, pin: str) -> Any:
    return client.post("/kiosk/", {"card_id": card if isinstance(card, str) else card.pk, "pin": pin})


# ---------------------------------------------------------------- the kiosk


def test_the_right_pin_shows_the_balance_in_large_print_then_the_start_again(hanako: Resident, client: Client) -> None:
    card = card_for(hanako)
    expires = timezone.localdate() + timedelta(days=COIN_DAYS)

    # the start page, as the scanner fills the card ID in (?qr=)
    start = client.get("/kiosk/", {"qr": card.pk})
    assert start.status_code == 200
    assert f'value="{card.pk}"' in start.content.decode()

    # the PIN: a redirect (so that "back" never re-posts the PIN), then the balance
    posted = _kiosk(client, card, PIN)
    assert posted.status_code == 302
    assert posted["Location"] == "/kiosk/balance/"
    page = client.get("/kiosk/balance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page.headers["Refresh"] == "60; url=/kiosk/"
    assert "no-store" in page.headers["Cache-Control"]
    assert page.context["coins"] == 1_200
    assert page.context["expiring"] == [(expires, 1_200)]
    last_day = day(expires, today=timezone.localdate())[0]
    assert f"残高は1,200円です。そのうち1,200円を使えるのは{last_day}までです。" in html
    assert 'data-speech="残高はせんにひゃくえんです。' in html
    assert 'src="/static/assist/kiosk.js"' in html
    assert "<script>" not in html  # no inline script: the CSP forbids them
    record = AuditRecord.objects.get(tag=AssistEvent.BALANCE_SHOWN)
    assert (record.data, record.actor, record.chain_id) == ({"where": "kiosk", "card": card.pk}, "kiosk", "202177")

    # back at the start, the balance is gone
    assert client.get("/kiosk/").status_code == 200
    assert client.get("/kiosk/balance/")["Location"] == "/kiosk/"


def test_the_balance_is_shown_in_easy_japanese_too(hanako: Resident, client: Client) -> None:
    card = card_for(hanako)
    client.cookies["hiroba_language"] = "ja-x-easy"
    _kiosk(client, card, PIN)
    assert "いま つかえる お金は 1,200円です。" in client.get("/kiosk/balance/").content.decode()


def test_the_balance_is_gone_after_the_time(hanako: Resident, client: Client) -> None:
    _kiosk(client, card_for(hanako), PIN)
    session = client.session
    session["assist_kiosk"]["until"] = 0
    session.save()
    assert client.get("/kiosk/balance/")["Location"] == "/kiosk/"


def test_a_wrong_pin_counts_as_at_a_shop_and_the_fifth_locks_the_card(hanako: Resident, client: Client) -> None:
    card = card_for(hanako)
    for attempt in range(1, 5):
        refused = _kiosk(client, card, "1111")
        assert refused.status_code == 422
        assert refused.context["error"].code == "wallet.card_pin"
        assert refused.context["error"].detail == {"attempts_left": 5 - attempt}
        assert refused.headers["Refresh"] == "60; url=/kiosk/"
    card.refresh_from_db()
    assert card.failed_attempts == 4
    assert AuditRecord.objects.filter(tag="wallet:card:pin_failed", data__where="kiosk").count() == 4

    # the fifth locks it; then even the right PIN is refused with the way out
    assert _kiosk(client, card, "1111").context["error"].code == "wallet.card_locked"
    locked = _kiosk(client, card, PIN)
    assert locked.status_code == 409
    assert "役場の窓口でロックを解除してください" in locked.content.decode()
    card.refresh_from_db()
    assert card.status == CardStatus.LOCKED
    assert not AuditRecord.objects.filter(tag=AssistEvent.BALANCE_SHOWN).exists()


def test_a_pin_that_is_not_four_digits_is_not_counted(hanako: Resident, client: Client) -> None:
    card = card_for(hanako)
    for typed in ("", "25", "abcd"):  # a reader's Enter, say
        assert _kiosk(client, card, typed).context["error"].code == "assist.pin_format"
    assert _kiosk(client, card, "２５８０").status_code == 302  # full-width digits are the same PIN
    card.refresh_from_db()
    assert card.failed_attempts == 0


def test_an_unknown_card_is_refused(saku: dict[str, Any], client: Client) -> None:
    refused = _kiosk(client, "c_nosuchcard000000", PIN)
    assert refused.status_code == 404
    assert 'id="kiosk-card"' in refused.content.decode()
    assert refused.context["field"] == "kiosk-card"


def test_a_proxys_card_needs_the_balance_scope(hanako: Resident, client: Client) -> None:
    # given a proxy's card whose delegation lets it pay but not see the balance
    card = proxy_card(hanako, [Scope.PAY_CARD])

    # then the kiosk refuses it, and the refusal is recorded
    refused = _kiosk(client, card, "4071")
    assert refused.status_code == 403
    assert refused.context["error"].code == "assist.scope_missing"
    assert AuditRecord.objects.filter(tag=AssistEvent.PROXY_REFUSED, data__code="assist.scope_missing").exists()

    # when the resident adds the balance (written directly), the proxy sees it, on the record
    Delegation.objects.filter(pk=card.delegation_id).update(scopes=[Scope.PAY_CARD, Scope.BALANCE])
    assert _kiosk(client, card, "4071").status_code == 302
    assert client.get("/kiosk/balance/").context["coins"] == 1_200
    assert AuditRecord.objects.get(tag=AssistEvent.BALANCE_SHOWN).data["delegation"] == card.delegation_id


# ---------------------------------------------------------------- the phone line


def _call(client: Client, body: dict[str, str], *, secret: str | None = SECRET, key: str = "call-1") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    if secret is not None:
        headers["X-Phone-Line-Secret"] = secret
    return client.post(
        "/api/v1/assist/phone/balance", json.dumps(body), content_type="application/json", headers=headers
    )


def test_the_phone_line_gets_the_script_with_the_shared_secret(hanako: Resident, client: Client, settings: Any) -> None:
    settings.ASSIST_PHONE_LINE_SECRET = SECRET
    card = card_for(hanako)
    expires = timezone.localdate() + timedelta(days=COIN_DAYS)

    answer = _call(client, {"card_id": card.pk, "pin": PIN})

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["coins"] == 1_200
    assert body["expiring"] == [{"last_day": expires.isoformat(), "amount": 1_200}]
    last_day = day(expires, today=timezone.localdate())[0]
    assert body["ja"]["text"] == f"残高は1,200円です。そのうち1,200円を使えるのは{last_day}までです。"
    assert body["easy"]["text"].startswith("いま つかえる お金は 1,200円です。")
    assert body["en"]["text"].startswith("Your balance is ¥1,200.")
    assert body["ja"]["ssml"].startswith(
        '<speak version="1.1" xml:lang="ja-JP"><p><s>残高は<sub alias="せんにひゃくえん">1,'
    )
    assert AuditRecord.objects.get(tag=AssistEvent.BALANCE_SHOWN).data == {"where": "phone", "card": card.pk}


def test_the_phone_line_is_refused_without_the_secret(hanako: Resident, client: Client, settings: Any) -> None:
    card = card_for(hanako)
    body = {"card_id": card.pk, "pin": PIN}
    # not configured: refused whatever is sent
    settings.ASSIST_PHONE_LINE_SECRET = ""
    assert _call(client, body, secret="").status_code == 401
    settings.ASSIST_PHONE_LINE_SECRET = SECRET
    for wrong in (None, "", SECRET[:-1], SECRET + "x"):
        refused = _call(client, body, secret=wrong)
        assert refused.status_code == 401
        assert refused.json()["code"] == "auth.required"
    assert _call(client, body, key="").json()["code"] == "idempotency.key_required"
    assert not AuditRecord.objects.filter(tag=AssistEvent.BALANCE_SHOWN).exists()


def test_wrong_pins_on_the_phone_count_as_at_a_shop(hanako: Resident, client: Client, settings: Any) -> None:
    settings.ASSIST_PHONE_LINE_SECRET = SECRET
    card = card_for(hanako)
    refused = _call(client, {"card_id": card.pk, "pin": "1111"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "wallet.card_pin"
    assert AuditRecord.objects.filter(tag="wallet:card:pin_failed", data__where="phone").count() == 1
    card.refresh_from_db()
    assert card.failed_attempts == 1


# ---------------------------------------------------------------- the script


@pytest.mark.parametrize(
    ("number", "reading"),
    [
        (0, "ぜろ"), (1, "いち"), (11, "じゅういち"), (300, "さんびゃく"), (600, "ろっぴゃく"), (800, "はっぴゃく"),
        (1_000, "せん"), (1_250, "せんにひゃくごじゅう"), (3_000, "さんぜん"), (8_000, "はっせん"),
        (10_000, "いちまん"), (10_000_000, "いっせんまん"), (100_000_000, "いちおく"), (40_007, "よんまんなな"),
    ],
)  # fmt: skip
def test_numbers_are_read_as_people_say_them(number: int, reading: str) -> None:
    assert number_reading(number) == reading


@pytest.mark.parametrize(
    ("when", "written", "reading"),
    [
        (date(2026, 12, 31), "12月31日", "じゅうにがつさんじゅういちにち"),
        (date(2026, 4, 1), "4月1日", "しがつついたち"),
        (date(2026, 7, 20), "7月20日", "しちがつはつか"),
        (date(2026, 9, 14), "9月14日", "くがつじゅうよっか"),
        (date(2027, 1, 8), "2027年1月8日", "にせんにじゅうななねんいちがつようか"),
    ],
)
def test_dates_are_read_as_people_say_them(when: date, written: str, reading: str) -> None:
    assert day(when, today=date(2026, 11, 26)) == (written, reading)


def test_the_script_reads_like_the_counter_would_say_it() -> None:
    script = balance_script(balance=1_250, expiring=[(date(2026, 12, 31), 300)], today=date(2026, 11, 26), variant="ja")
    assert script.text == "残高は1,250円です。そのうち300円を使えるのは12月31日までです。"
    assert script.reading == (
        "残高はせんにひゃくごじゅうえんです。そのうちさんびゃくえんを使えるのはじゅうにがつさんじゅういちにちまでです。"
    )
    assert script.ssml == (
        '<speak version="1.1" xml:lang="ja-JP"><p>'
        '<s>残高は<sub alias="せんにひゃくごじゅうえん">1,250円</sub>です。</s>'
        '<s>そのうち<sub alias="さんびゃくえん">300円</sub>を使えるのは'
        '<sub alias="じゅうにがつさんじゅういちにち">12月31日</sub>までです。</s></p></speak>'
    )
    assert balance_script(balance=0, expiring=[], today=date(2026, 11, 26), variant="easy").text == (
        "いま つかえる お金は 0円です。"
    )


_DIGIT = {"いち": 1, "に": 2, "さん": 3, "よん": 4, "ご": 5, "ろく": 6, "なな": 7, "はち": 8, "きゅう": 9,
          "いっ": 1, "ろっ": 6, "はっ": 8}  # fmt: skip
_SMALL = {"じゅう": 10, "ひゃく": 100, "びゃく": 100, "ぴゃく": 100, "せん": 1000, "ぜん": 1000}
_BIG = {"まん": 10**4, "おく": 10**8}


def _parse(reading: str) -> int:
    """A reading back to its number (a listener's arithmetic), refusing anything it does not know."""
    tokens = sorted([*_DIGIT, *_SMALL, *_BIG], key=len, reverse=True)
    total = section = 0
    digit: int | None = None
    rest = reading
    while rest:
        token = next(t for t in tokens if rest.startswith(t))
        rest = rest[len(token) :]
        if token in _DIGIT:
            assert digit is None, reading
            digit = _DIGIT[token]
        elif token in _SMALL:
            section += (digit or 1) * _SMALL[token]
            digit = None
        else:
            total += (section + (digit or 0)) * _BIG[token]
            section, digit = 0, None
    return total + section + (digit or 0)


@given(st.integers(min_value=1, max_value=MAX_NUMBER))
def test_every_reading_is_kana_and_says_the_number_back(number: int) -> None:
    reading = number_reading(number)
    assert all("\u3041" <= ch <= "\u309f" for ch in reading)
    assert _parse(reading) == number


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_has_a_reading_without_digits(when: date) -> None:
    written, reading = day(when, today=date(2026, 11, 26))
    assert written.endswith(f"{when.month}月{when.day}日")
    assert reading.endswith(("にち", "か", "ついたち"))
    assert not any(ch.isdigit() for ch in reading)
