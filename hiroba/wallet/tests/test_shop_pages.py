"""The shop owner's pages through the test client: store QR, asking for an amount, charging a resident's code, the
live payments fragment, refunds and their refusals, the poster PDF, statements, and other owners kept out."""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hiroba.identity.models import User
from hiroba.ledger.models import Account, Journal
from hiroba.wallet.formats import jpqr
from hiroba.wallet.models import Merchant, PaymentRequest
from hiroba.wallet.services import accounts, money, payments
from hiroba.wallet.tests.conftest import OPERATOR, TODAY

PDFTOTEXT = shutil.which("pdftotext")


def _owner(username: str, *shops: Merchant) -> User:
    owner = User.objects.create_user(username, None, full_name="見本 店主", kind="merchant")
    Merchant.objects.filter(pk__in=[s.pk for s in shops]).update(user=owner)
    return owner


@pytest.fixture
def bakery(saku: dict[str, Any]) -> Merchant:
    shop: Merchant = saku["shops"]["202177"]
    return shop


@pytest.fixture
def owner_client(saku: dict[str, Any], bakery: Merchant) -> Client:
    client = Client()
    client.force_login(_owner("bakery-owner", bakery))
    return client


def _fund(resident: Any, coins: int = 2000) -> None:
    money.points_award(
        municipality=resident.municipality, awards=[(resident, coins)], key=f"award:{coins}", on=TODAY, reason="steps"
    )
    money.points_convert(resident=resident, points=coins, key=f"convert:{coins}", on=TODAY, actor=OPERATOR)


def _coins(resident: Any) -> int:
    return Account.objects.get(key=accounts.resident_wallet(resident).key).balance


def _pay(saku: dict[str, Any], shop: Merchant, amount: int, key: str) -> payments.Payment:
    return payments.pay_static(
        resident=saku["hanako"], merchant_id=shop.pk, amount=amount, key=key, on=TODAY, actor=OPERATOR
    )


def _text(response: Any) -> str:
    text: str = response.content.decode()
    return text


# ------------------------------------------------------------------------------------------------ access


def test_the_owner_sees_the_store_qr_and_the_shop_id(owner_client: Client, bakery: Merchant) -> None:
    # when
    home = owner_client.get(reverse("shop-home"))
    page = owner_client.get(reverse("shop-detail", args=[bakery.pk]))

    # then
    assert home.status_code == 200
    assert reverse("shop-detail", args=[bakery.pk]) in _text(home)
    assert page.status_code == 200
    body = _text(page)
    assert '<html lang="ja">' in body
    assert bakery.name in body
    assert 'src="data:image/svg+xml' in body
    assert re.search(rf'data-testid="shop-id">{bakery.pk}<', body)
    assert 'hx-get="{}"'.format(reverse("shop-detail", args=[bakery.pk])) in body
    assert "HX-Request" in page["Vary"]


def test_signed_out_visitors_go_to_the_merchant_sign_in_and_others_are_refused(
    saku: dict[str, Any], bakery: Merchant, client: Client
) -> None:
    # signed out
    response = client.get(reverse("shop-detail", args=[bakery.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("merchant-login") + "?next=")
    response = client.get(reverse("shop-home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("merchant-login")

    # a resident and a staff member are not merchants
    for user in (saku["hanako"].person.user, User.objects.create_user("clerk", None, full_name="見本 職員")):
        client.force_login(user)
        assert client.get(reverse("shop-home")).status_code == 403
        assert client.get(reverse("shop-detail", args=[bakery.pk])).status_code == 403


def test_another_merchant_gets_404_on_every_shop_url(saku: dict[str, Any], bakery: Merchant) -> None:
    # given: the soba shop's owner, and a payment at the bakery
    client = Client()
    client.force_login(_owner("soba-owner", saku["shops"]["202088"]))
    _fund(saku["hanako"])
    paid = _pay(saku, bakery, 500, "p-404")
    token = {"token": "t" * 24}

    # when / then
    for shop_id in (bakery.pk, "m_doesnotexist0000"):
        assert client.get(reverse("shop-detail", args=[shop_id])).status_code == 404
        assert client.get(reverse("shop-detail", args=[shop_id]), headers={"HX-Request": "true"}).status_code == 404
        assert (
            client.post(reverse("shop-detail", args=[shop_id]), {"action": "request", "amount": "100"}).status_code
            == 404
        )
        refund = {"payment": paid.journal.key, "amount": "100", **token}
        assert client.post(reverse("shop-refund", args=[shop_id]), refund).status_code == 404
        assert client.get(reverse("shop-poster", args=[shop_id])).status_code == 404
        assert client.get(reverse("shop-statements", args=[shop_id])).status_code == 404
        assert client.get(reverse("shop-statement", args=[shop_id, "2026-10", "csv"])).status_code == 404
    assert PaymentRequest.objects.count() == 0
    assert not Journal.objects.filter(kind="refund").exists()
    assert reverse("shop-detail", args=[bakery.pk]) not in _text(client.get(reverse("shop-home")))


# ------------------------------------------------------------------------------------------------ taking payments


def test_requesting_an_amount_shows_a_dynamic_qr_with_that_amount(owner_client: Client, bakery: Merchant) -> None:
    # when
    response = owner_client.post(reverse("shop-detail", args=[bakery.pk]), {"action": "request", "amount": "1,200"})

    # then
    assert response.status_code == 200
    match = re.search(r'data-qr-payload="([^"]+)"', _text(response))
    assert match is not None
    qr = jpqr.decode(html.unescape(match.group(1)))
    created = PaymentRequest.objects.get()
    assert (qr.amount, qr.reference, qr.merchant_id) == (1200, created.pk, bakery.pk)
    assert "¥1,200" in _text(response)


def test_with_htmx_the_request_form_gets_its_panel_back_and_a_bad_amount_its_reason(
    owner_client: Client, bakery: Merchant
) -> None:
    url = reverse("shop-detail", args=[bakery.pk])

    # when
    panel = owner_client.post(url, {"action": "request", "amount": "800"}, headers={"HX-Request": "true"})
    refused = owner_client.post(url, {"action": "request", "amount": "abc"}, headers={"HX-Request": "true"})

    # then
    assert panel.status_code == 200
    assert _text(panel).lstrip().startswith('<section class="shop-panel" id="request-panel"')
    assert "<html" not in _text(panel)
    assert "data-qr-payload" in _text(panel)
    assert refused.status_code == 422
    assert "wallet.amount" in _text(refused)
    assert PaymentRequest.objects.count() == 1


def test_a_residents_code_is_charged_through_the_page_once(
    saku: dict[str, Any], owner_client: Client, bakery: Merchant
) -> None:
    # given
    hanako = saku["hanako"]
    _fund(hanako)
    code = payments.customer_code_issue(resident=hanako)
    url = reverse("shop-detail", args=[bakery.pk])

    # when
    charged = owner_client.post(url, {"action": "charge", "code": code, "amount": "１５０"}, follow=True)
    replayed = owner_client.post(url, {"action": "charge", "code": code, "amount": "150"})  # sent twice: once
    again = owner_client.post(url, {"action": "charge", "code": code, "amount": "200"})

    # then
    assert charged.redirect_chain == [(url, 302)]
    assert "150" in _text(charged)
    assert _coins(hanako) == 2000 - 150
    assert replayed.status_code == 302
    assert again.status_code == 409
    assert "wallet.code_used" in _text(again)
    assert _coins(hanako) == 2000 - 150


def test_the_live_fragment_lists_a_payment_made_by_a_resident(
    saku: dict[str, Any], owner_client: Client, bakery: Merchant
) -> None:
    # given
    url = reverse("shop-detail", args=[bakery.pk])
    before = owner_client.get(url, headers={"HX-Request": "true"})
    _fund(saku["hanako"])

    # when
    paid = _pay(saku, bakery, 1234, "p-live")
    after = owner_client.get(url, headers={"HX-Request": "true"})

    # then
    assert 'data-testid="no-payments"' in _text(before)
    assert after.status_code == 200
    fragment = _text(after)
    assert fragment.lstrip().startswith('<section id="payments"')
    assert "<html" not in fragment
    assert f'data-journal="{paid.journal.key}" data-kind="payment" data-amount="1234"' in fragment
    assert "¥1,234" in fragment
    assert 'hx-trigger="every 3s"' in fragment
    assert "HX-Request" in after["Vary"]


# ------------------------------------------------------------------------------------------------ refunds


def test_a_partial_refund_through_the_page_and_a_too_large_one_refused_with_its_code(
    saku: dict[str, Any], owner_client: Client, bakery: Merchant
) -> None:
    # given: a payment, and its refund form's one-time token as the page shows it
    _fund(saku["hanako"])
    paid = _pay(saku, bakery, 1000, "p-refund")
    page = _text(owner_client.get(reverse("shop-detail", args=[bakery.pk])))
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    url = reverse("shop-refund", args=[bakery.pk])
    form = {"payment": paid.journal.key, "amount": "400", "token": token.group(1)}

    # when
    refunded = owner_client.post(url, form, follow=True)
    replayed = owner_client.post(url, form)  # the same form sent twice refunds once
    too_large = owner_client.post(url, {**form, "amount": "700", "token": "another-token-0123456789"})

    # then
    assert refunded.redirect_chain == [(reverse("shop-detail", args=[bakery.pk]), 302)]
    assert 'data-kind="refund" data-amount="-400"' in _text(refunded)
    assert replayed.status_code == 302
    assert Journal.objects.filter(kind="refund").count() == 1
    assert _coins(saku["hanako"]) == 2000 - 1000 + 400
    assert too_large.status_code == 409
    assert "wallet.refund_too_large" in _text(too_large)
    assert "支払い額を超えて返金できません。" in _text(too_large)


@pytest.mark.parametrize(
    ("form", "code", "status"),
    [
        ({"payment": "pay:nothing", "amount": "100", "token": "x" * 20}, "wallet.payment_unknown", 404),
        ({"payment": "pay:nothing", "amount": "100", "token": "bad token"}, "wallet.form_token", 422),
        ({"payment": "pay:nothing", "amount": "100"}, "wallet.form_token", 422),
    ],
)
def test_refund_refusals_show_their_reason_code(
    owner_client: Client, bakery: Merchant, form: dict[str, str], code: str, status: int
) -> None:
    response = owner_client.post(reverse("shop-refund", args=[bakery.pk]), form)
    assert response.status_code == status
    assert f'data-testid="reason-code">{code}<' in _text(response)


def test_a_refund_past_the_window_is_refused(saku: dict[str, Any], owner_client: Client, bakery: Merchant) -> None:
    # given: a payment made 31 days ago (the window is 30 days)
    _fund(saku["hanako"])
    paid = payments.pay_static(
        resident=saku["hanako"],
        merchant_id=bakery.pk,
        amount=300,
        key="p-old",
        on=TODAY,
        actor=OPERATOR,
        at=timezone.now() - timedelta(days=31),
    ).journal

    # when
    response = owner_client.post(
        reverse("shop-refund", args=[bakery.pk]), {"payment": paid.key, "amount": "100", "token": "w" * 20}
    )

    # then
    assert response.status_code == 409
    assert "wallet.refund_window" in _text(response)


# ------------------------------------------------------------------------------------------------ poster


def _pdf_strings(pdf: bytes) -> list[bytes]:
    """The text strings shown on the page (the content streams are ASCII85 + Flate; strings are PDF literals)."""
    strings: list[bytes] = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        data = stream.strip()
        try:
            content = zlib.decompress(base64.a85decode(data.removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.DOTALL):
            strings.append(
                re.sub(
                    rb"\\([0-7]{1,3}|.)",
                    lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1),
                    literal,
                )
            )
    return strings


def test_the_poster_is_a_stable_pdf_with_the_shop_name(
    saku: dict[str, Any], owner_client: Client, bakery: Merchant, tmp_path: Path
) -> None:
    # when
    first = owner_client.get(reverse("shop-poster", args=[bakery.pk]))
    second = owner_client.get(reverse("shop-poster", args=[bakery.pk]))

    # then
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    assert first.content == second.content
    strings = _pdf_strings(first.content)
    assert bakery.name.encode("utf-16-be") in strings
    assert bakery.pk.encode() in strings
    assert saku["area"].currency_name.encode("utf-16-be") in strings
    if PDFTOTEXT:
        path = tmp_path / "poster.pdf"
        path.write_bytes(first.content)
        text = subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert bakery.name in text
        assert bakery.pk in text
        assert "ご利用いただけます" in text


# ------------------------------------------------------------------------------------------------ statements


def test_statements_are_listed_and_downloaded_by_their_owner_only(
    saku: dict[str, Any], owner_client: Client, bakery: Merchant, settings: Any, tmp_path: Path
) -> None:
    # given: statements written by the settle command under a temporary var/
    settings.VAR_DIR = tmp_path
    soba = saku["shops"]["202088"]
    period_dir = tmp_path / "settlements" / "saku" / "2026-10"
    period_dir.mkdir(parents=True)
    mine = "\ufeff精算明細書 / Settlement statement,見本パン店\r\n".encode()
    (period_dir / f"statement-{bakery.pk}-2026-10.csv").write_bytes(mine)
    (period_dir / f"statement-{soba.pk}-2026-10.csv").write_bytes(b"theirs")
    other_period = tmp_path / "settlements" / "saku" / "2026-09"
    other_period.mkdir()
    (other_period / f"statement-{soba.pk}-2026-09.csv").write_bytes(b"theirs too")
    (tmp_path / "settlements" / "saku" / "secret.csv").write_bytes(b"not a statement")

    # when
    listing = owner_client.get(reverse("shop-statements", args=[bakery.pk]))
    download = owner_client.get(reverse("shop-statement", args=[bakery.pk, "2026-10", "csv"]))

    # then
    assert listing.status_code == 200
    assert reverse("shop-statement", args=[bakery.pk, "2026-10", "csv"]) in _text(listing)
    assert "2026-09" not in _text(listing)
    assert soba.pk not in _text(listing)
    assert download.status_code == 200
    assert download.content == mine
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="statement-{bakery.pk}-2026-10.csv"' in download["Content-Disposition"]

    # and no way out of the shop's own files
    base = reverse("shop-statements", args=[bakery.pk])
    for trick in (
        "2026-09.csv",  # another shop's period
        "...csv",
        "..%2F..%2Fsecret.csv",
        "%2e%2e.csv",
        "2026-10%2F..%2F..%2Fsecret.csv",
        "2026-10-3.csv",
        "2026-1.csv",
        "..%5Csecret.csv",
    ):
        assert owner_client.get(base + trick).status_code == 404, trick


def test_a_shop_without_statements_says_so(
    owner_client: Client, bakery: Merchant, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    response = owner_client.get(reverse("shop-statements", args=[bakery.pk]))
    assert response.status_code == 200
    assert reverse("shop-statement", args=[bakery.pk, "2026-10", "csv"]) not in _text(response)
