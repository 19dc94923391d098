"""How residents hear from the town: the contact choice (validation, what is kept, the audit), its page, and the
gateway for SMS and calls. Also the helpers the letter and kiosk tests share: a funded resident of the Saku area."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.assist.events import AssistEvent
from hiroba.assist.gateways import FileGateway, gateway
from hiroba.assist.models import ContactChannel, ContactPreference
from hiroba.assist.services.channels import contact_preference_set, phone_normalised, postal_code_normalised
from hiroba.core.audit import Actor
from hiroba.core.errors import Invalid
from hiroba.core.fiscal import fiscal_year
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import Resident
from hiroba.wallet.services import money
from hiroba.wallet.tests.factories import OPERATOR, saku_area

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- shared with test_letters and test_kiosk


@pytest.fixture(autouse=True)
def outbox(settings: Any, tmp_path: Path) -> Path:
    """Every test's gateway writes into its own folder, never into var/."""
    settings.ASSIST_OUTBOX_DIR = tmp_path / "outbox"
    settings.ASSIST_GATEWAY = "hiroba.assist.gateways.FileGateway"
    return Path(settings.ASSIST_OUTBOX_DIR)


@pytest.fixture
def saku(demo: Any) -> dict[str, Any]:
    """The Saku area with a budget for this fiscal year: hanako of 佐久市, taro of 小諸市."""
    return saku_area(year=fiscal_year(timezone.localdate()))


def with_coins(resident: Resident, coins: int, *, on: date | None = None) -> Resident:
    """Points awarded and converted on `on` (today by default): the coins expire 180 days later."""
    on = on or timezone.localdate()
    key = f"{resident.pk}:{on.isoformat()}"
    money.points_award(
        municipality=resident.municipality, awards=[(resident, coins)], key=f"aw:{key}", on=on, reason="t"
    )
    money.points_convert(resident=resident, points=coins, key=f"cv:{key}", on=on, actor=OPERATOR)
    return resident


def resident_actor(resident: Resident) -> Actor:
    assert resident.person is not None
    return Actor.for_user(resident.person.user, channel=Channel.WEB)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("090-1234-5678", "09012345678"),
        ("０９０－１２３４－５６７８", "09012345678"),  # full-width, as a Japanese IME types it
        ("090ー1234ー5678", "09012345678"),  # the long-vowel mark typed for a dash
        ("(0267) 62-2111", "0267622111"),
        ("+81 90 1234 5678", "09012345678"),
        ("0312345678", "0312345678"),
        ("0120-123-456", "0120123456"),
        ("0800-123-4567", "08001234567"),
    ],
)
def test_phone_numbers_are_kept_as_digits(typed: str, kept: str) -> None:
    assert phone_normalised(typed) == kept


@pytest.mark.parametrize(
    "typed", ["", "1234567890", "090-1234-567", "090-1234-56789", "0267-62-21111", "090-abcd-5678", "٠٩٠١٢٣٤٥٦٧٨"]
)
def test_other_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        phone_normalised(typed)
    assert caught.value.code == "assist.phone_format"


@pytest.mark.parametrize(
    ("typed", "kept"), [("385-0051", "385-0051"), ("３８５－００５１", "385-0051"), ("〒3850051", "385-0051")]
)
def test_postal_codes_are_kept_as_three_and_four_digits(typed: str, kept: str) -> None:
    assert postal_code_normalised(typed) == kept


@pytest.mark.parametrize("typed", ["", "385-005", "385-00511", "abc-defg"])
def test_other_postal_codes_are_refused(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        postal_code_normalised(typed)
    assert caught.value.code == "assist.postal_code_format"


# ---------------------------------------------------------------- the service


def test_each_channel_keeps_only_what_it_needs_and_the_audit_holds_neither(demo: Any) -> None:
    from hiroba.identity.tests.factories import make_resident

    # given a resident who first asks for SMS
    hanako = make_resident("202177", "見本 花子")
    actor = resident_actor(hanako)
    contact_preference_set(
        resident=hanako,
        channel="sms",
        phone="090-1234-5678",
        postal_code="385-0051",
        address="佐久市中込1",
        actor=actor,
    )
    assert ContactPreference.objects.values_list("channel", "phone", "postal_code", "address").get() == (
        "sms", "09012345678", "", ""
    )  # fmt: skip

    # when she switches to letters
    contact_preference_set(
        resident=hanako, channel="letter", phone="090-1234-5678", postal_code="３８５００５１",
        address=" 長野県佐久市中込3056　見本荘101 ", actor=actor,
    )  # fmt: skip

    # then the number is gone and the address is kept, tidied
    assert ContactPreference.objects.values_list("channel", "phone", "postal_code", "address").get() == (
        "letter", "", "385-0051", "長野県佐久市中込3056 見本荘101"
    )  # fmt: skip
    # and back to the app: nothing is kept
    contact_preference_set(resident=hanako, channel="app", actor=actor)
    assert ContactPreference.objects.values_list("channel", "phone", "postal_code", "address").get() == (
        "app", "", "", ""
    )  # fmt: skip
    records = AuditRecord.objects.filter(tag=AssistEvent.CONTACT_CHANGED).order_by("seq")
    assert [r.data for r in records] == [
        {"channel": "sms", "was": "app"},
        {"channel": "letter", "was": "sms"},
        {"channel": "app", "was": "letter"},
    ]
    assert {r.subject for r in records} == {f"resident:{hanako.pairwise_id}"}
    assert {r.chain_id for r in records} == {"202177"}


def test_every_field_problem_is_reported_at_once_and_nothing_is_written(demo: Any) -> None:
    from hiroba.identity.tests.factories import make_resident

    hanako = make_resident("202177")
    with pytest.raises(Invalid) as caught:
        contact_preference_set(
            resident=hanako, channel="letter", postal_code="385", address="  ", actor=resident_actor(hanako)
        )
    assert caught.value.code == "assist.contact_invalid"
    assert set(caught.value.detail["fields"]) == {"postal_code", "address"}
    assert caught.value.detail["fields"]["postal_code"]["code"] == "assist.postal_code_format"
    with pytest.raises(Invalid) as caught:
        contact_preference_set(resident=hanako, channel="fax", actor=resident_actor(hanako))
    assert set(caught.value.detail["fields"]) == {"channel"}
    assert not ContactPreference.objects.exists()
    assert not AuditRecord.objects.filter(tag=AssistEvent.CONTACT_CHANGED).exists()


# ---------------------------------------------------------------- the page


def test_a_resident_chooses_letters_on_the_page_with_field_errors_first(demo: Any, client: Client) -> None:
    from hiroba.identity.tests.factories import make_resident

    hanako = make_resident("202177")
    assert hanako.person is not None
    client.force_login(hanako.person.user)

    page = client.get("/assist/contact/")
    assert page.status_code == 200
    assert b'value="app" ' in page.content or b'value="app"' in page.content

    refused = client.post("/assist/contact/", {"channel": "letter", "postal_code": "12", "address": ""})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "郵便番号は7桁の数字で入力してください" in html
    assert "住所を200文字以内で入力してください" in html
    assert 'aria-invalid="true"' in html

    saved = client.post(
        "/assist/contact/", {"channel": "letter", "postal_code": "385-0051", "address": "長野県佐久市中込3056"}
    )
    assert saved.status_code == 302
    assert ContactPreference.objects.get(resident=hanako).channel == ContactChannel.LETTER
    assert "長野県佐久市中込3056" in client.get("/assist/contact/").content.decode()


def test_the_page_is_for_residents_only(demo: Any, client: Client, login: Any) -> None:
    assert client.get("/assist/contact/").status_code == 302  # to the sign-in page
    assert login("saku-counter").get("/assist/contact/").status_code == 403


# ---------------------------------------------------------------- the gateway


def test_the_file_gateway_writes_one_json_file_per_message(outbox: Path) -> None:
    # given the configured gateway (the file gateway)
    sender = gateway()
    assert isinstance(sender, FileGateway)

    # when it sends an SMS and makes a call
    sms = sender.send_sms("09012345678", "佐久市からのお知らせです。")
    call = sender.call("0267622111", "<speak>残高は</speak>")

    # then each is a file in the outbox, in the order sent
    files = sorted(outbox.glob("*.json"))
    assert [f.name for f in files] == [f"{sms}-sms.json", f"{call}-phone.json"]
    first, second = (json.loads(f.read_text(encoding="utf-8")) for f in files)
    assert (first["channel"], first["to"], first["text"]) == ("sms", "09012345678", "佐久市からのお知らせです。")
    assert (second["channel"], second["to"], second["script"]) == ("phone", "0267622111", "<speak>残高は</speak>")
    assert not list(outbox.glob("*.part"))
