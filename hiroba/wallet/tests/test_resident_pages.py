"""The resident's wallet pages through the Django test client: balances and expiry, points → coins, paying a shop
by typed ID or pasted QR through the confirm step, the receipt, the resident's own code, and the refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.core.fiscal import fiscal_year
from hiroba.identity.models import AccountKind, User
from hiroba.ledger.models import Journal
from hiroba.wallet.models import AreaSettings
from hiroba.wallet.services import merchants, money, payments
from hiroba.wallet.tests.conftest import OPERATOR, TODAY


@pytest.fixture
def wallet(saku: dict[str, Any]) -> dict[str, Any]:
    """The Saku data, with a budget for the fiscal year the pages run in (they use today's date)."""
    year = fiscal_year(timezone.localdate())
    if year != TODAY.year:  # the fixture appropriates for FY2026
        for m in saku["town"].values():
            money.budget_appropriate(
                municipality=m, year=year, amount=1_000_000, key=f"budget:{m.lg_code}:{year}", actor=OPERATOR
            )
    return saku


def award(resident: Any, points: int, key: str = "award") -> None:
    money.points_award(
        municipality=resident.municipality,
        awards=[(resident, points)],
        key=f"{key}:{resident.pk}",
        on=timezone.localdate(),
        reason="steps",
    )


def with_coins(resident: Any, coins: int) -> None:
    award(resident, coins, key="award-for-coins")
    money.points_convert(
        resident=resident, points=coins, key=f"cv:{resident.pk}", on=timezone.localdate(), actor=OPERATOR
    )


def signed_in(resident: Any, language: str | None = None) -> Client:
    client = Client()
    client.force_login(resident.person.user)
    if language:
        client.cookies["hiroba_language"] = language
    return client


def form_token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


def text(response: Any) -> str:
    return str(response.content.decode())


def by_testid(html: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert found, f"no {name} on the page"
    return found.group(1).strip()


def refused(response: Any, status: int, code: str) -> str:
    html = text(response)
    assert response.status_code == status, html
    assert 'role="alert"' in html
    assert by_testid(html, "reason-code") == code
    return html


def forbidden(response: Any) -> str:
    """The site's error page (error.html) for a refusal raised by the view."""
    html = text(response)
    assert response.status_code == 403, html
    assert 'role="alert"' in html
    assert "identity.residents_only" in html
    return html


# ---------------------------------------------------------------- home and conversion


def test_converting_through_the_page_twice_with_the_same_form_converts_once(wallet: dict[str, Any]) -> None:
    # given a resident with 1,000 points
    hanako = wallet["hanako"]
    award(hanako, 1000)
    client = signed_in(hanako)
    page = client.get("/wallet/convert/")
    assert page.status_code == 200
    assert by_testid(text(page), "points") == "1,000"
    assert "100" in text(page)  # the town's rule: at least 100, in steps of 100
    form = {"points": "500", "token": form_token(text(page))}

    # first the page shows what she gets, and converts nothing yet
    check = client.post("/wallet/convert/", form)
    assert (by_testid(text(check), "confirm-points"), by_testid(text(check), "confirm-coins")) == ("500", "500")
    assert not Journal.objects.filter(kind="conversion").exists()

    # when the confirmation is submitted twice
    form = {**form, "token": form_token(text(check)), "confirm": "yes"}
    first = client.post("/wallet/convert/", form)
    second = client.post("/wallet/convert/", form)

    # then it is one conversion, and the wallet says so
    assert first.status_code == second.status_code == 302
    assert first["Location"] == "/wallet/"
    assert Journal.objects.filter(kind="conversion").count() == 1
    home = client.get("/wallet/")
    html = text(home)
    assert (by_testid(html, "points"), by_testid(html, "coins"), by_testid(html, "paid-coins")) == ("500", "500", "0")
    assert 'data-kind="conversion"' in html
    assert 'data-kind="points"' in html
    assert "500" in html  # the success message
    assert 'data-testid="expiry-notice"' not in html


def test_a_new_form_is_a_new_conversion_and_full_width_digits_are_read(wallet: dict[str, Any]) -> None:
    hanako = wallet["hanako"]
    award(hanako, 1000)
    client = signed_in(hanako)
    for typed in ("３００", "100"):
        form = {"points": typed, "token": form_token(text(client.get("/wallet/convert/"))), "confirm": "yes"}
        assert client.post("/wallet/convert/", form).status_code == 302
    assert Journal.objects.filter(kind="conversion").count() == 2
    assert by_testid(text(client.get("/wallet/")), "coins") == "400"


def test_conversion_refusals_stay_on_the_page_with_their_code(wallet: dict[str, Any]) -> None:
    hanako = wallet["hanako"]
    award(hanako, 1000)
    client = signed_in(hanako)
    fresh = form_token(text(client.get("/wallet/convert/")))

    html = refused(client.post("/wallet/convert/", {"points": "150", "token": fresh}), 422, "wallet.conversion_step")
    assert 'value="150"' in html  # what was typed stays
    assert form_token(html) != fresh  # and the form is a new one
    refused(client.post("/wallet/convert/", {"points": "5000", "token": fresh}), 409, "wallet.not_enough_points")
    refused(client.post("/wallet/convert/", {"points": "abc", "token": fresh}), 422, "wallet.amount")
    refused(client.post("/wallet/convert/", {"points": "100"}), 422, "wallet.form_token")
    assert not Journal.objects.filter(kind="conversion").exists()


def test_the_refusal_is_in_the_page_language(wallet: dict[str, Any]) -> None:
    award(wallet["hanako"], 1000)
    for language, message in (
        ("en", "Not enough points."),
        ("ja", "ポイントが足りません。"),
        ("ja-x-easy", "ポイントが足りません。"),
    ):
        client = signed_in(wallet["hanako"], language)
        form = {"points": "5000", "token": form_token(text(client.get("/wallet/convert/")))}
        html = refused(client.post("/wallet/convert/", form), 409, "wallet.not_enough_points")
        assert message in html


def test_the_expiry_notice_shows_when_coins_expire_within_30_days(wallet: dict[str, Any]) -> None:
    # given coins that live 20 days
    hanako = wallet["hanako"]
    AreaSettings.objects.filter(area=wallet["area"]).update(coin_lifetime_days=20)
    with_coins(hanako, 300)

    # when the resident opens the wallet
    html = text(signed_in(hanako, "en").get("/wallet/"))

    # then the notice names the amount and the day, and the table lists it first
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    assert 'data-testid="expiry-notice"' in html
    assert f"300 coins expire on {day}." in html
    assert html.index(day) < html.index("Recent history")


# ---------------------------------------------------------------- paying


def test_paying_a_shop_in_another_town_by_typed_id_through_the_confirm_step(wallet: dict[str, Any]) -> None:
    # given hanako of Saku with 1,000 coins, and the soba shop of Komoro
    hanako, soba = wallet["hanako"], wallet["shops"]["202088"]
    with_coins(hanako, 1000)
    client = signed_in(hanako)

    # when she types the shop's ID (as printed, in capitals and full width) and the amount
    confirm = client.get("/wallet/pay/", {"shop": f" {soba.pk.upper()} ", "amount": "３００"})

    # then she is asked to confirm, with the shop, its town and the amount
    html = text(confirm)
    assert confirm.status_code == 200, html
    assert by_testid(html, "confirm-question") == "見本そば処（小諸市）に¥300を支払いますか？"
    form = {"shop": soba.pk, "amount": "300", "token": form_token(html)}

    # when she pays, twice with the same form
    paid = client.post("/wallet/pay/", form)
    again = client.post("/wallet/pay/", form)

    # then one payment, and a receipt for the staff
    assert paid.status_code == again.status_code == 302
    assert paid["Location"] == "/wallet/pay/receipt/"
    assert Journal.objects.filter(kind="payment").count() == 1
    receipt = text(client.get(paid["Location"]))
    assert by_testid(receipt, "receipt-amount") == "¥300"
    assert by_testid(receipt, "receipt-shop") == "見本そば処"
    assert by_testid(receipt, "receipt-coins") == "700"
    assert by_testid(receipt, "receipt-journal") == Journal.objects.get(kind="payment").key
    assert 'data-kind="payment"' in text(client.get("/wallet/"))


def test_the_confirm_step_speaks_english(wallet: dict[str, Any]) -> None:
    with_coins(wallet["hanako"], 1000)
    html = text(signed_in(wallet["hanako"], "en").get("/wallet/pay/", {"shop": wallet["shops"]["202088"].pk}))
    assert "Amount (yen)" in html  # a static shop without an amount: ask for it first
    confirm = signed_in(wallet["hanako"], "en").get(
        "/wallet/pay/", {"shop": wallet["shops"]["202088"].pk, "amount": "1200"}
    )
    assert by_testid(text(confirm), "confirm-question") == "Pay ¥1,200 to 見本そば処 (Komoro City)?"


def test_a_pasted_static_qr_asks_for_the_amount(wallet: dict[str, Any]) -> None:
    hanako, bakery = wallet["hanako"], wallet["shops"]["202177"]
    with_coins(hanako, 1000)
    client = signed_in(hanako)
    step = client.get("/wallet/pay/", {"qr": payments.merchant_qr(bakery)})
    html = text(step)
    assert step.status_code == 200
    assert by_testid(html, "shop") == "見本パン店"
    assert f'name="shop" value="{bakery.pk}"' in html
    confirm = client.get("/wallet/pay/", {"shop": bakery.pk, "amount": "250"})
    assert (
        client.post(
            "/wallet/pay/", {"shop": bakery.pk, "amount": "250", "token": form_token(text(confirm))}
        ).status_code
        == 302
    )
    assert by_testid(text(client.get("/wallet/pay/receipt/")), "receipt-coins") == "750"


def test_paying_a_dynamic_request_by_pasted_qr(wallet: dict[str, Any]) -> None:
    # given the bakery asks for ¥450
    hanako, bakery = wallet["hanako"], wallet["shops"]["202177"]
    with_coins(hanako, 1000)
    request, qr = payments.payment_request_create(merchant_id=bakery.pk, amount=450, actor=OPERATOR)
    client = signed_in(hanako)

    # when the resident pastes the QR's contents
    confirm = client.get("/wallet/pay/", {"qr": qr + "\n"})

    # then the confirm page shows the request's amount and pays it once
    html = text(confirm)
    assert confirm.status_code == 200, html
    assert by_testid(html, "confirm-question") == "見本パン店（佐久市）に¥450を支払いますか？"
    assert f'name="request" value="{request.pk}"' in html
    form = {"request": request.pk, "token": form_token(html)}
    assert client.post("/wallet/pay/", form).status_code == 302
    assert client.post("/wallet/pay/", form).status_code == 302  # the same request again: the same payment
    assert by_testid(text(client.get("/wallet/pay/receipt/")), "receipt-amount") == "¥450"
    assert Journal.objects.filter(kind="payment").count() == 1
    request.refresh_from_db()
    assert request.journal_key


def test_payment_refusals_render_with_their_code(wallet: dict[str, Any]) -> None:
    hanako, soba = wallet["hanako"], wallet["shops"]["202088"]
    with_coins(hanako, 1000)
    client = signed_in(hanako)

    # not enough coins: refused when paying, the typed values stay
    confirm = client.get("/wallet/pay/", {"shop": soba.pk, "amount": "5000"})
    html = refused(
        client.post("/wallet/pay/", {"shop": soba.pk, "amount": "5000", "token": form_token(text(confirm))}),
        409,
        "wallet.insufficient",
    )
    assert 'value="5000"' in html

    # a QR whose checksum is wrong
    qr = payments.merchant_qr(soba)
    broken = qr[:-1] + ("0" if qr[-1] != "0" else "1")
    refused(client.get("/wallet/pay/", {"qr": broken}), 422, "qr.crc")

    # an unknown shop, an amount that is not a number
    refused(client.get("/wallet/pay/", {"shop": "m_0000000000000000", "amount": "1"}), 404, "wallet.merchant_unknown")
    refused(client.get("/wallet/pay/", {"shop": soba.pk, "amount": "three"}), 422, "wallet.amount")

    # a suspended shop: refused at the confirm step, and when a confirm page opened before is submitted
    confirm = client.get("/wallet/pay/", {"shop": soba.pk, "amount": "100"})
    merchants.merchant_suspend(merchant_id=soba.pk, reason="inspection", actor=OPERATOR)
    refused(client.get("/wallet/pay/", {"shop": soba.pk, "amount": "100"}), 409, "wallet.merchant_suspended")
    refused(
        client.post("/wallet/pay/", {"shop": soba.pk, "amount": "100", "token": form_token(text(confirm))}),
        409,
        "wallet.merchant_suspended",
    )
    assert not Journal.objects.filter(kind="payment").exists()


def test_the_receipt_page_without_a_payment_goes_to_the_pay_page(wallet: dict[str, Any]) -> None:
    response = signed_in(wallet["hanako"]).get("/wallet/pay/receipt/")
    assert (response.status_code, response["Location"]) == (302, "/wallet/pay/")


# ---------------------------------------------------------------- the resident's code


def test_the_customer_code_page_shows_a_code_the_shop_can_charge(wallet: dict[str, Any]) -> None:
    # given a resident with coins
    hanako, soba = wallet["hanako"], wallet["shops"]["202088"]
    with_coins(hanako, 1000)
    client = signed_in(hanako)

    # when she opens her code
    page = client.get("/wallet/code/")
    html = text(page)
    code = by_testid(html, "customer-code")

    # then the page carries the QR as inline SVG and the text code, which the shop charges
    assert page.status_code == 200
    assert "HX-Request" in page["Vary"]
    assert "<svg" in html
    assert 'style="' not in html
    payment = payments.charge_customer_code(
        merchant_id=soba.pk, code=code, amount=120, on=timezone.localdate(), actor=OPERATOR
    )
    assert (payment.amount, payment.journal.memo["resident"]) == (120, hanako.pairwise_id)

    # and htmx gets only the fragment, with a new code
    fragment = text(client.get("/wallet/code/", HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment
    assert 'id="customer-code"' in fragment
    assert by_testid(fragment, "customer-code") != code


# ---------------------------------------------------------------- who may use the pages


@pytest.mark.parametrize("path", ["/wallet/", "/wallet/convert/", "/wallet/pay/", "/wallet/code/"])
def test_only_residents_may_use_the_wallet(wallet: dict[str, Any], login: Any, path: str) -> None:
    # staff
    html = forbidden(login("saku-admin").get(path))
    assert "For residents only." in html
    # a shop's account
    owner = User.objects.create_user("shop-owner", None, full_name="見本 店主", kind=AccountKind.MERCHANT)
    shop = Client()
    shop.force_login(owner)
    forbidden(shop.get(path))
    # signed out: to the resident sign-in
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next={path}"
