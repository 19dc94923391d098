"""Printed cards: issued at the counter, paid with the PIN at the shop, locked after five wrong PINs, a daily limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord
from hiroba.identity.models import AccountKind, Resident, User
from hiroba.ledger.models import Journal
from hiroba.wallet.formats.card import card_pdf
from hiroba.wallet.models import CardStatus, Merchant, PrintedCard
from hiroba.wallet.services import cards, money, payments
from hiroba.wallet.tests.conftest import OPERATOR, TODAY

PIN = "2580"
CARDS_URL = "/staff/m/202177/wallet/cards/"


def funded(resident: Resident, coins: int = 20_000) -> Resident:
    money.points_award(
        municipality=resident.municipality, awards=[(resident, coins)], key=f"aw:{resident.pk}", on=TODAY, reason="t"
    )
    money.points_convert(resident=resident, points=coins, key=f"cv:{resident.pk}", on=TODAY, actor=OPERATOR)
    return resident


def issue(resident: Resident, *, pin: str = PIN, daily_limit: int = 5_000) -> PrintedCard:
    card, _ = cards.card_issue(resident=resident, pin=pin, daily_limit=daily_limit, actor=OPERATOR)
    return card


def pay(card: PrintedCard | str, shop: Merchant, amount: int, *, pin: str = PIN, key: str = "") -> payments.Payment:
    card_id = card if isinstance(card, str) else card.pk
    return cards.card_pay(
        merchant_id=shop.pk,
        card_id=card_id,
        pin=pin,
        amount=amount,
        key=key or f"k{amount}-{Journal.objects.count()}",
        on=timezone.localdate(),
        actor=OPERATOR,
    )


def refused(code: str, **kwargs: Any) -> AppError:
    with pytest.raises(AppError) as caught:
        pay(**kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def wallet_coins(resident: Resident) -> int:
    from hiroba.wallet.selectors import wallet_view

    return wallet_view(resident=resident, on=timezone.localdate()).coins


def test_issue_gives_a_deterministic_card_sized_pdf_and_an_audit_record(saku: dict[str, Any]) -> None:
    hanako = saku["hanako"]
    card, pdf = cards.card_issue(resident=hanako, pin=PIN, daily_limit=3_000, actor=OPERATOR)
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 242.6457 153.0709 ]" in pdf  # 85.6 x 54 mm
    assert card.pk.startswith("c_")
    assert len(card.pk) == 18
    assert PIN not in card.pin_hash
    assert (card.status, card.daily_limit, card.failed_attempts) == (CardStatus.ACTIVE, 3_000, 0)
    assert AuditRecord.objects.filter(tag="wallet:card:issued", subject=f"card:{card.pk}").exists()
    again = card_pdf(
        card_id=card.pk, holder="見本 花子", coin_name=saku["area"].currency_name, town="佐久市", daily_limit=3_000
    )
    assert again == card_pdf(
        card_id=card.pk, holder="見本 花子", coin_name=saku["area"].currency_name, town="佐久市", daily_limit=3_000
    )


@pytest.mark.parametrize(
    "pin", ["1111", "1234", "0000", "4321", "9876", "7890", "1212", "123", "12345", "12a4", "１２３４"]
)
def test_weak_or_malformed_pins_are_refused(saku: dict[str, Any], pin: str) -> None:
    with pytest.raises(AppError) as caught:
        issue(saku["hanako"], pin=pin)
    assert caught.value.code in {"wallet.card_pin_weak", "wallet.card_pin_format"}
    assert not PrintedCard.objects.exists()


def test_pay_with_the_right_pin(saku: dict[str, Any]) -> None:
    hanako = funded(saku["hanako"])
    card = issue(hanako)
    payment = pay(card, saku["shops"]["202088"], 1_200, key="p1")
    assert payment.amount == 1_200
    assert payment.journal.memo["card"] == card.pk
    assert payment.journal.memo["channel"] == "card"
    assert wallet_coins(hanako) == 20_000 - 1_200
    # the same key again is the same payment, not a second one (and not counted twice against the limit)
    assert pay(card, saku["shops"]["202088"], 1_200, key="p1").journal.pk == payment.journal.pk
    assert wallet_coins(hanako) == 20_000 - 1_200


def test_a_wrong_pin_is_refused_and_counted_and_a_right_one_resets_the_count(saku: dict[str, Any]) -> None:
    card = issue(funded(saku["hanako"]))
    shop = saku["shops"]["202177"]
    error = refused("wallet.card_pin", card=card, shop=shop, amount=100, pin="9999")
    assert error.detail == {"attempts_left": 4}
    refused("wallet.card_pin", card=card, shop=shop, amount=100, pin="0001")
    card.refresh_from_db()
    assert card.failed_attempts == 2
    assert AuditRecord.objects.filter(tag="wallet:card:pin_failed").count() == 2
    pay(card, shop, 100)
    card.refresh_from_db()
    assert card.failed_attempts == 0


def test_five_wrong_pins_lock_the_card_even_for_the_right_pin_until_the_counter_unlocks(
    saku: dict[str, Any], login: Any
) -> None:
    card = issue(funded(saku["hanako"]))
    shop = saku["shops"]["202177"]
    for _ in range(4):
        refused("wallet.card_pin", card=card, shop=shop, amount=100, pin="9999")
    refused("wallet.card_locked", card=card, shop=shop, amount=100, pin="9999")
    refused("wallet.card_locked", card=card, shop=shop, amount=100, pin=PIN)
    card.refresh_from_db()
    assert (card.status, card.failed_attempts) == (CardStatus.LOCKED, 5)
    # the town's counter unlocks it with the resident present
    response = login("saku-counter").post(CARDS_URL, {"action": "unlock", "card_id": card.pk})
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.status, card.failed_attempts) == (CardStatus.ACTIVE, 0)
    assert AuditRecord.objects.filter(tag="wallet:card:unlocked", subject=f"card:{card.pk}").exists()
    assert pay(card, shop, 100).amount == 100


def test_the_daily_limit_counts_every_payment_of_the_day_and_a_refund_frees_it(saku: dict[str, Any]) -> None:
    card = issue(funded(saku["hanako"]), daily_limit=3_000)
    bakery, soba = saku["shops"]["202177"], saku["shops"]["202088"]
    pay(card, bakery, 1_000, key="a")
    second = pay(card, soba, 1_500, key="b")
    error = refused("wallet.card_daily_limit", card=card, shop=bakery, amount=600)
    assert error.detail["left_today"] == 500
    pay(card, bakery, 500, key="c")
    refused("wallet.card_daily_limit", card=card, shop=bakery, amount=1)
    payments.refund(
        merchant_id=soba.pk,
        payment_key=second.journal.key,
        amount=700,
        key="r",
        on=timezone.localdate(),
        actor=OPERATOR,
    )
    assert cards.card_spent_today(card=card, on=timezone.localdate()) == 2_300
    pay(card, bakery, 700, key="d")
    refused("wallet.card_daily_limit", card=card, shop=bakery, amount=1)


def test_a_lost_card_and_a_replaced_card_are_refused(saku: dict[str, Any]) -> None:
    hanako = funded(saku["hanako"])
    shop = saku["shops"]["202177"]
    first = issue(hanako)
    second = issue(hanako, pin="3691")
    first.refresh_from_db()
    assert (first.status, first.replaced_by_id) == (CardStatus.REPLACED, second.pk)
    refused("wallet.card_inactive", card=first, shop=shop, amount=100)
    cards.card_report_lost(card_id=second.pk, actor=OPERATOR)
    refused("wallet.card_inactive", card=second, shop=shop, amount=100, pin="3691")
    assert AuditRecord.objects.filter(tag="wallet:card:lost", subject=f"card:{second.pk}").exists()
    with pytest.raises(AppError) as caught:
        cards.card_unlock(card_id=second.pk, actor=OPERATOR)
    assert caught.value.code == "wallet.card_inactive"
    refused("wallet.card_unknown", card="c_ffffffffffffffff", shop=shop, amount=100)


def test_tries_per_card_are_throttled_across_shops(saku: dict[str, Any]) -> None:
    card = issue(funded(saku["hanako"]))
    for i in range(cards.CARD_TRIES.hits):
        pay(card, saku["shops"]["202177" if i % 2 else "202088"], 10, key=f"t{i}")
    refused("identity.throttled.card_pay", card=card, shop=saku["shops"]["202177"], amount=10)


# ---------------------------------------------------------------- pages and API


def shop_owner(shop: Merchant) -> Client:
    owner = User.objects.create_user(f"owner-{shop.pk}", None, full_name="見本 店主", kind=AccountKind.MERCHANT)
    Merchant.objects.filter(pk=shop.pk).update(user=owner)
    client = Client()
    client.force_login(owner)
    return client


def test_the_shop_page_charges_a_printed_card(saku: dict[str, Any]) -> None:
    hanako = funded(saku["hanako"])
    card = issue(hanako)
    bakery = saku["shops"]["202177"]
    client = shop_owner(bakery)
    page = client.get(f"/shop/{bakery.pk}/")
    assert b'id="card-panel"' in page.content
    assert b'type="password" id="card-pin" name="pin" inputmode="numeric" autocomplete="off"' in page.content
    url = f"/shop/{bakery.pk}/card/"
    token = "card-form-token-0001"
    wrong = client.post(
        url, {"card_id": card.pk, "pin": "9999", "amount": "800", "token": token}, HTTP_HX_REQUEST="true"
    )
    assert wrong.status_code == 422
    assert b"wallet.card_pin" in wrong.content
    assert b"9999" not in wrong.content
    done = client.post(url, {"card_id": card.pk, "pin": PIN, "amount": "800", "token": token}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200, done.content
    assert b'data-testid="card-done"' in done.content
    # the same form sent again pays once
    again = client.post(url, {"card_id": card.pk, "pin": PIN, "amount": "800", "token": token})
    assert again.status_code == 302
    assert wallet_coins(hanako) == 20_000 - 800
    over = client.post(url, {"card_id": card.pk, "pin": PIN, "amount": "4201", "token": "card-form-token-0002"})
    assert over.status_code == 409
    assert b"wallet.card_daily_limit" in over.content


def test_the_api_charges_a_printed_card(saku: dict[str, Any]) -> None:
    card = issue(funded(saku["hanako"]))
    soba = saku["shops"]["202088"]
    client = shop_owner(soba)

    def call(body: dict[str, Any], key: str) -> Any:
        return client.post(
            f"/api/v1/merchants/{soba.pk}/card-payments",
            json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    paid = call({"card_id": card.pk, "pin": PIN, "amount": 700}, "k1")
    assert paid.status_code == 200, paid.content
    assert (paid.json()["kind"], paid.json()["amount"]) == ("payment", 700)
    wrong = call({"card_id": card.pk, "pin": "1357", "amount": 700}, "k2")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "wallet.card_pin")
    other = shop_owner(saku["shops"]["202177"])
    response = other.post(
        f"/api/v1/merchants/{soba.pk}/card-payments",
        json.dumps({"card_id": card.pk, "pin": PIN, "amount": 1}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k3",
    )
    assert (response.status_code, response.json()["code"]) == (404, "wallet.merchant_unknown")


def test_the_counter_issues_a_card_as_a_pdf_download(saku: dict[str, Any], login: Any) -> None:
    hanako = saku["hanako"]
    client = login("saku-counter")
    response = client.post(
        CARDS_URL, {"action": "issue", "resident": hanako.pairwise_id, "pin": PIN, "daily_limit": "4000"}
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="card-c_')
    assert response.content.startswith(b"%PDF")
    card = PrintedCard.objects.get(resident=hanako)
    assert (card.daily_limit, card.issued_by.username if card.issued_by else "") == (4_000, "saku-counter")
    # a weak PIN is refused with its reason; finance and admin see it on the wallet page
    weak = login("saku-admin").post(
        CARDS_URL, {"action": "issue", "resident": hanako.pairwise_id, "pin": "1111", "daily_limit": "4000"}
    )
    assert weak.status_code == 422
    assert b"wallet.card_pin_weak" in weak.content
    assert PrintedCard.objects.filter(resident=hanako).count() == 1
    page = login("saku-admin").get("/staff/m/202177/wallet/")
    assert b'id="cards"' in page.content


def test_staff_of_another_town_cannot_issue_or_unlock(saku: dict[str, Any], login: Any) -> None:
    taro_card = issue(saku["taro"])
    PrintedCard.objects.filter(pk=taro_card.pk).update(status=CardStatus.LOCKED)
    audit_before = AuditRecord.objects.count()
    client = login("saku-counter")
    for body in (
        {"action": "issue", "resident": saku["taro"].pairwise_id, "pin": PIN, "daily_limit": "4000"},
        {"action": "unlock", "card_id": taro_card.pk},
        {"action": "lost", "card_id": taro_card.pk},
    ):
        response = client.post("/staff/m/202088/wallet/cards/", body)
        assert response.status_code == 403
        assert b"tenancy.forbidden" in response.content
    # nor reach another town's card through their own town's page
    response = client.post(CARDS_URL, {"action": "unlock", "card_id": taro_card.pk})
    assert response.status_code == 404
    taro_card.refresh_from_db()
    assert taro_card.status == CardStatus.LOCKED
    assert AuditRecord.objects.count() == audit_before
    # health staff of the town itself may not either
    assert login("saku-health").post(CARDS_URL, {"action": "unlock", "card_id": taro_card.pk}).status_code == 403


def test_a_suspended_card_pays_nothing_until_the_counter_resumes_it(saku: dict[str, Any]) -> None:
    hanako = funded(saku["hanako"])
    card = issue(hanako)
    cards.card_suspend(card_id=card.pk, suspended=True, actor=OPERATOR)
    refused("wallet.card_suspended", card=card, shop=saku["shops"]["202177"], amount=100)
    assert wallet_coins(hanako) == 20_000
    cards.card_suspend(card_id=card.pk, suspended=False, actor=OPERATOR)
    assert pay(card, saku["shops"]["202177"], 100).amount == 100
    cards.card_report_lost(card_id=card.pk, actor=OPERATOR)
    refused("wallet.card_inactive", card=card, shop=saku["shops"]["202177"], amount=100)
    record = AuditRecord.objects.get(tag="wallet:card:refused", data__code="wallet.card_inactive")
    assert record.data["where"] == f"merchant:{saku['shops']['202177'].pk}"
    with pytest.raises(AppError) as caught:  # a lost card never comes back
        cards.card_suspend(card_id=card.pk, suspended=False, actor=OPERATOR)
    assert caught.value.code == "wallet.card_inactive"
    tags = list(AuditRecord.objects.filter(subject=f"card:{card.pk}").values_list("tag", flat=True))
    assert {"wallet:card:suspended", "wallet:card:resumed"} <= set(tags)
