"""The staff finance pages through the test client: a town's budget, shops, outstanding coins and daily payments
chart; an area's settlements with their files, clearing report and paid-coin balance; and everyone else kept out."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hiroba.core.fiscal import fiscal_year
from hiroba.core.models import AuditRecord
from hiroba.ledger.models import Account, Journal, Lot, Posting
from hiroba.ledger.services import Move, NewLot, journal_post
from hiroba.wallet.models import AreaSettings, Merchant, MerchantStatus, Settlement, SettlementStatus
from hiroba.wallet.selectors import base_dates
from hiroba.wallet.selectors_staff import DayVolume
from hiroba.wallet.services import accounts, money, payments
from hiroba.wallet.tests.conftest import OPERATOR
from hiroba.wallet.tests.factories import shop_apply
from hiroba.wallet.views_staff import CHART_PLOT, chart_layout

TOKYO = ZoneInfo("Asia/Tokyo")
SAKU = "202177"
WALLET = f"/staff/m/{SAKU}/wallet/"
SETTLEMENTS = "/staff/a/saku/settlements/"


def _text(response: Any) -> str:
    return str(response.content, "utf-8")


def _token(response: Any) -> str:
    match = re.search(r'name="token" value="([A-Za-z0-9_-]+)"', _text(response))
    assert match is not None
    return match[1]


def _today() -> date:
    return timezone.localdate()


def _fund(saku: dict[str, Any], who: str, points: int, *, on: date, at: datetime | None = None) -> None:
    """Points awarded and converted into coins funded by the resident's town (budget of that fiscal year)."""
    resident = saku[who]
    year = fiscal_year(on)
    money.budget_appropriate(
        municipality=resident.municipality, year=year, amount=500_000, key=f"t:budget:{who}:{year}", actor=OPERATOR
    )
    money.points_award(
        municipality=resident.municipality, awards=[(resident, points)], key=f"t:award:{who}", on=on, reason="t", at=at
    )
    money.points_convert(resident=resident, points=points, key=f"t:convert:{who}", on=on, actor=OPERATOR, at=at)


def _applied_shop(saku: dict[str, Any], name: str = "見本八百屋") -> Merchant:
    return shop_apply(saku["town"][SAKU], name, "MIHON GROCER", mcc="5411", account="1112223")


# ------------------------------------------------------------------------------------------------ the town's wallet


def test_budget_is_appropriated_once_however_often_the_form_is_sent(saku: dict[str, Any], login: Any) -> None:
    # given the town's finance staff on the page
    client = login("saku-finance")
    page = client.get(WALLET)
    assert page.status_code == 200
    year = fiscal_year(_today())
    budget = f"b:{SAKU}:{year}"
    before = Account.objects.filter(key=budget).values_list("balance", flat=True).first() or 0
    form = {"action": "budget", "year": year, "amount": 250_000, "token": _token(page)}

    # when the form is sent twice (a double click, a reload)
    first = client.post(WALLET, form)
    second = client.post(WALLET, form)

    # then both answers go back to the page, and the ledger has one journal
    assert (first.status_code, second.status_code) == (302, 302)
    assert Journal.objects.filter(kind="budget", key__startswith="budget-form:").count() == 1
    assert Account.objects.get(key=budget).balance == before + 250_000
    # and a fresh page gives a fresh token
    again = client.get(WALLET)
    assert _token(again) != form["token"]
    assert f"¥{before + 250_000:,}" in _text(again)


def test_budget_form_refuses_bad_input_and_writes_nothing(saku: dict[str, Any], login: Any) -> None:
    client = login("saku-finance")
    token = _token(client.get(WALLET))
    journals = Journal.objects.count()

    for body in (
        {"action": "budget", "year": 2026, "amount": 0, "token": token},
        {"action": "budget", "year": 2026, "amount": "百万", "token": token},
        {"action": "budget", "year": 2026, "amount": 1000},  # no token
        {"action": "budget", "year": 2026, "amount": 1000, "token": "../short"},
    ):
        assert client.post(WALLET, body).status_code == 422, body
    assert client.post(WALLET, {"action": "delete-everything"}).status_code == 422
    assert Journal.objects.count() == journals


def test_a_town_outside_any_area_sees_its_page_and_a_refusal_to_budget(demo: Any, login: Any) -> None:
    client = login("saitama-finance")
    page = client.get("/staff/m/111007/wallet/")
    assert page.status_code == 200
    refused = client.post(
        "/staff/m/111007/wallet/",
        {"action": "budget", "year": 2026, "amount": 1000, "token": "a-token-of-sixteen-chars"},
    )
    assert refused.status_code == 422
    assert "wallet.no_currency_area" in _text(refused)
    assert not Journal.objects.filter(kind="budget").exists()


def test_finance_staff_approve_and_suspend_a_shop_through_the_page(saku: dict[str, Any], login: Any) -> None:
    # given a shop that has applied, and the town's finance staff
    shop = _applied_shop(saku)
    client = login("saku-finance")
    assert "見本八百屋" in _text(client.get(WALLET))

    # when they approve it
    approved = client.post(WALLET, {"action": "approve", "merchant_id": shop.pk})

    # then it is approved
    assert approved.status_code == 302
    assert Merchant.objects.get(pk=shop.pk).status == MerchantStatus.APPROVED

    # when they try to suspend it without a reason, it is refused with the reason's code
    refused = client.post(WALLET, {"action": "suspend", "merchant_id": shop.pk, "reason": "  "})
    assert refused.status_code == 422
    assert "wallet.merchant_reason" in _text(refused)
    assert Merchant.objects.get(pk=shop.pk).status == MerchantStatus.APPROVED

    # and with a reason it is suspended, the reason kept in the audit log
    suspended = client.post(WALLET, {"action": "suspend", "merchant_id": shop.pk, "reason": "口座名義の確認中"})
    assert suspended.status_code == 302
    assert Merchant.objects.get(pk=shop.pk).status == MerchantStatus.SUSPENDED
    record = AuditRecord.objects.filter(tag="wallet:merchant:suspended", subject=f"merchant:{shop.pk}").get()
    assert record.data["reason"] == "口座名義の確認中"

    # and approving an approved shop again is refused as a conflict
    client.post(WALLET, {"action": "approve", "merchant_id": shop.pk})
    conflict = client.post(WALLET, {"action": "approve", "merchant_id": shop.pk})
    assert conflict.status_code == 409
    assert "wallet.merchant_status" in _text(conflict)


def test_shop_actions_answer_htmx_with_the_shops_fragment(saku: dict[str, Any], login: Any) -> None:
    shop = _applied_shop(saku)
    client = login("saku-admin")

    response = client.post(WALLET, {"action": "approve", "merchant_id": shop.pk}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = _text(response)
    assert html.lstrip().startswith('<section id="merchants"')
    assert "<h1>" not in html
    assert 'name="reason"' in html  # approved now: the suspend form is offered


def test_a_shop_of_another_town_is_unknown_on_this_towns_page(saku: dict[str, Any], login: Any) -> None:
    komoro_shop = saku["shops"]["202088"]
    client = login("saku-finance")

    response = client.post(WALLET, {"action": "suspend", "merchant_id": komoro_shop.pk, "reason": "x"})

    assert response.status_code == 404
    assert "wallet.merchant_not_found" in _text(response)
    assert Merchant.objects.get(pk=komoro_shop.pk).status == MerchantStatus.APPROVED
    assert "見本そば処" not in _text(client.get(WALLET))


@pytest.mark.parametrize("username", ["saku-health", "saku-counter", "agency", "komoro-finance"])
def test_the_wallet_page_is_for_the_towns_finance_and_admin_staff_only(
    saku: dict[str, Any], login: Any, username: str
) -> None:
    client = login(username)
    for response in (client.get(WALLET), client.post(WALLET, {"action": "approve", "merchant_id": "x"})):
        assert response.status_code == 403
        assert "tenancy.forbidden" in _text(response)


def test_the_figures_match_the_ledger_after_a_conversion_and_a_payment(saku: dict[str, Any], login: Any) -> None:
    # given a resident of Saku who converts 1,000 points and pays 300 at a Saku shop, and a resident of Komoro who
    # pays 200 at the same shop
    today = _today()
    _fund(saku, "hanako", 1000, on=today)
    _fund(saku, "taro", 500, on=today)
    bakery = saku["shops"][SAKU]
    payments.pay_static(
        resident=saku["hanako"], merchant_id=bakery.pk, amount=300, key="t:pay:1", on=today, actor=OPERATOR
    )
    payments.pay_static(
        resident=saku["taro"], merchant_id=bakery.pk, amount=200, key="t:pay:2", on=today, actor=OPERATOR
    )

    # when Saku's finance staff open the page
    response = login("saku-finance").get(WALLET)

    # then the budget figures are the budget account's postings
    assert response.status_code == 200
    year = fiscal_year(today)
    account = Account.objects.get(key=f"b:{SAKU}:{year}")
    credited = Posting.objects.filter(credit=account).aggregate(total=Sum("amount"))["total"]
    budget = response.context["budget"]
    assert (budget.year, budget.appropriated, budget.used, budget.left) == (year, credited, 1000, account.balance)
    html = _text(response)
    assert f'<dd id="budget-left">¥{account.balance:,}</dd>' in html
    assert '<dd id="budget-used">¥1,000</dd>' in html
    # and outstanding coins are what is left in the lots Saku funded (Komoro's lots are not Saku's)
    remaining = Lot.objects.filter(funder_id=SAKU, account__unit="coin").aggregate(total=Sum("remaining"))["total"]
    assert remaining == 700
    assert response.context["outstanding"].granted == 700
    assert response.context["outstanding"].paid == 0
    assert '<dd id="outstanding-granted">¥700</dd>' in html
    assert '<dd id="expired-coins">¥0</dd>' in html
    # and today's bar counts both payments at the Saku shop
    assert response.context["volumes"][-1] == DayVolume(day=today, count=2, amount=500)
    assert f"<title>{today:%Y-%m-%d}: ¥500 (" in html

    # and Komoro's page shows none of it: its shop had no payments, and Komoro funded taro's 500
    komoro = login("komoro-finance").get("/staff/m/202088/wallet/")
    assert komoro.context["volumes"][-1] == DayVolume(day=today, count=0, amount=0)
    assert komoro.context["outstanding"].granted == 300
    assert komoro.context["budget"].used == 500


def test_expired_coins_show_as_returned_to_the_funding_town(saku: dict[str, Any], login: Any) -> None:
    from hiroba.ledger.services import ledger_expire

    # given coins granted by Saku that lapsed unspent
    today = _today()
    _fund(saku, "hanako", 400, on=today - timedelta(days=200))
    ledger_expire(on=today)

    response = login("saku-admin").get(WALLET)

    assert response.context["expired"].coins == 400
    assert response.context["outstanding"].granted == 0
    assert '<dd id="expired-coins">¥400</dd>' in _text(response)


def test_the_chart_has_one_bar_per_day_and_a_table_of_the_same_figures(saku: dict[str, Any], login: Any) -> None:
    today = _today()
    _fund(saku, "hanako", 1000, on=today)
    payments.pay_static(
        resident=saku["hanako"], merchant_id=saku["shops"][SAKU].pk, amount=120, key="t:pay", on=today, actor=OPERATOR
    )

    html = _text(login("saku-finance").get(WALLET))

    svg = html[html.index("<svg") : html.index("</svg>")]
    bars = re.findall(r'<rect class="chart-bar" [^>]*><title>([^<]+)</title></rect>', svg)
    assert len(bars) == 30
    assert bars[0].startswith(f"{today - timedelta(days=29):%Y-%m-%d}: ¥0 (")
    assert bars[-1].startswith(f"{today:%Y-%m-%d}: ¥120 (1 ")
    assert 'style="' not in svg  # CSP: presentation comes from classes
    table = html[html.index('<table class="wallet-chart-data">') :]
    table = table[: table.index("</table>")]
    assert table.count('<th scope="row">') == 30
    assert f'<th scope="row">{today:%Y-%m-%d}</th><td class="num">1</td><td class="num">¥120</td>' in table
    assert "wallet/staff.css" in html


def test_chart_bars_scale_to_the_busiest_day() -> None:
    day = date(2026, 11, 1)
    chart = chart_layout([DayVolume(day, 0, 0), DayVolume(day, 1, 50), DayVolume(day, 4, 200)])
    assert [b.height for b in chart.bars] == [0, CHART_PLOT // 4, CHART_PLOT]
    assert all(b.y + b.height == chart.baseline for b in chart.bars)
    assert chart.peak == 200
    assert [b.height for b in chart_layout([DayVolume(day, 0, 0)] * 30).bars] == [0] * 30


# ------------------------------------------------------------------------------------------------ settlements


@pytest.fixture
def last_month(saku: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Activity dated in the previous calendar month (a closed period): a conversion and a payment at a Saku shop."""
    settings.VAR_DIR = tmp_path
    first = _today().replace(day=1) - timedelta(days=1)
    day = first.replace(day=10)
    at = datetime.combine(day, time(12), TOKYO)
    _fund(saku, "hanako", 1000, on=day, at=at)
    payments.pay_static(
        resident=saku["hanako"],
        merchant_id=saku["shops"][SAKU].pk,
        amount=300,
        key="t:pay:last-month",
        on=day,
        actor=OPERATOR,
        at=at + timedelta(hours=1),
    )
    return {"period": f"{day:%Y-%m}", "folder": tmp_path / "settlements" / "saku" / f"{day:%Y-%m}"}


def test_a_closed_period_is_settled_downloaded_and_marked_transferred(
    saku: dict[str, Any], last_month: dict[str, Any], login: Any
) -> None:
    period, folder = last_month["period"], last_month["folder"]
    # given finance staff of a member town (Komoro settles for the whole area)
    client = login("komoro-finance")
    page = client.get(SETTLEMENTS)
    assert page.status_code == 200
    assert f'value="{period}"' in _text(page)  # the last ended period is offered

    # when they settle last month
    response = client.post(SETTLEMENTS, {"action": "settle", "period": period})

    # then the run is recorded and its files are written into the period's folder
    assert response.status_code == 302
    assert response["Location"] == f"{SETTLEMENTS}?period={period}"
    run = Settlement.objects.get(area__slug="saku", period=period)
    assert (run.status, run.total) == (SettlementStatus.COMPUTED, 300 - 300 * 150 // 10_000)
    names = sorted(p.name for p in folder.iterdir())
    shop = saku["shops"][SAKU].pk
    assert names == [
        f"clearing-saku-{period}.csv",
        f"statement-{shop}-{period}.csv",
        f"statement-{shop}-{period}.pdf",
        f"zengin-main-{period}.txt",
    ]

    # and the page lists the files, in order, with download links, and the clearing report from the ledger
    html = _text(client.get(SETTLEMENTS, {"period": period}))
    links = re.findall(rf'href="/staff/a/saku/settlements/{period}/files/([^"]+)"', html)
    assert links == [
        f"zengin-main-{period}.txt",
        f"statement-{shop}-{period}.csv",
        f"statement-{shop}-{period}.pdf",
        f"clearing-saku-{period}.csv",
    ]
    clearing = html[html.index('id="h-clearing"') :]
    assert '<span class="mono">202177</span>' in clearing
    assert '<td class="num">¥300</td><td class="num">¥0</td><td class="num">¥300</td>' in clearing

    # and each file downloads as an attachment, byte for byte
    for name in links:
        download = client.get(f"{SETTLEMENTS}{period}/files/{name}")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert download["Cache-Control"] == "private, no-store"
        assert b"".join(download.streaming_content) == (folder / name).read_bytes()

    # when they mark it transferred, it is closed for good
    assert client.post(SETTLEMENTS, {"action": "transferred", "period": period}).status_code == 302
    assert Settlement.objects.get(pk=run.pk).status == SettlementStatus.TRANSFERRED
    again = client.post(SETTLEMENTS, {"action": "settle", "period": period})
    assert again.status_code == 409
    assert "wallet.period_closed" in _text(again)


def test_an_open_or_malformed_period_is_refused_with_its_reason(
    saku: dict[str, Any], settings: Any, tmp_path: Path, login: Any
) -> None:
    settings.VAR_DIR = tmp_path
    client = login("saku-finance")

    open_period = client.post(SETTLEMENTS, {"action": "settle", "period": f"{_today():%Y-%m}"})
    assert open_period.status_code == 409
    assert "wallet.period_open" in _text(open_period)

    for period in ("2026-13", "../2026-10", "2026-10\n", "2026-10-1"):  # the last: Saku settles monthly
        refused = client.post(SETTLEMENTS, {"action": "settle", "period": period})
        assert refused.status_code == 422, period
    assert "wallet.period_cycle" in _text(refused)

    unknown = client.post(SETTLEMENTS, {"action": "transferred", "period": "2020-01"})
    assert unknown.status_code == 404
    assert "wallet.settlement_unknown" in _text(unknown)
    assert not Settlement.objects.exists()
    assert not (tmp_path / "settlements").exists()


def test_downloads_serve_only_the_files_settlement_wrote(
    saku: dict[str, Any], last_month: dict[str, Any], login: Any, tmp_path: Path
) -> None:
    period, folder = last_month["period"], last_month["folder"]
    client = login("saku-finance")
    client.post(SETTLEMENTS, {"action": "settle", "period": period})
    (tmp_path / "secret.txt").write_text("not for download")
    (folder / f"zengin-evil-{period}.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "notes.txt").write_text("an operator's note")

    for period_part, name in (
        (period, ".."),
        (period, "."),
        (period, "..%2F..%2Fsecret.txt"),
        (period, "%2e%2e%2fsecret.txt"),
        (period, "..%5Csecret.txt"),
        (period, f"zengin-evil-{period}.txt"),  # a symbolic link in the folder
        (period, "notes.txt"),  # not a name settlement writes
        (period, f"clearing-saku-{period}.csv.bak"),
        (period, "zengin-main-2001-01.txt"),
        ("..", f"clearing-saku-{period}.csv"),
        ("2026-10-3", "secret.txt"),
    ):
        response = client.get(f"{SETTLEMENTS}{period_part}/files/{name}")
        assert response.status_code == 404, name
        assert b"not for download" not in b"".join(getattr(response, "streaming_content", [response.content]))
    listed = _text(client.get(SETTLEMENTS, {"period": period}))
    assert "zengin-evil" not in listed
    assert "notes.txt" not in listed
    served = client.get(f"{SETTLEMENTS}{period}/files/clearing-saku-{period}.csv")
    assert served.status_code == 200
    served.close()


def test_paid_coins_over_the_threshold_at_a_base_date_are_flagged(saku: dict[str, Any], login: Any) -> None:
    # given 5,000 coins sold for cash on the last base date, and a threshold of 1,000
    area = saku["area"]
    AreaSettings.objects.filter(area=area).update(deposit_threshold=1000)
    base = base_dates(until=_today())[0]
    hanako = saku["hanako"]
    journal_post(
        key="t:sold-on-base-date",
        kind="cash_charge",
        chain="saku",
        on=base,
        at=datetime.combine(base, time(12), TOKYO),
        moves=[
            Move(
                accounts.counter_cash(hanako.municipality),
                accounts.resident_wallet(hanako),
                5000,
                lot=NewLot(SAKU, base + timedelta(days=365), paid=True),
            )
        ],
    )

    response = login("saku-finance").get(SETTLEMENTS)

    reports = response.context["paid_coins"]
    assert [r.base_date for r in reports] == base_dates(until=_today())
    assert (reports[0].unused, reports[0].over_threshold) == (5000, True)
    assert all(r.unused == 0 for r in reports[1:])
    html = _text(response)
    assert html.count('class="notice error" role="alert"') == 1
    assert f"{base:%Y-%m-%d}" in html


# ------------------------------------------------------------------------------------------------ isolation


@pytest.mark.parametrize("username", ["saitama-admin", "saitama-finance", "saku-health", "saku-counter"])
def test_staff_outside_the_areas_finance_get_403_and_write_nothing(
    saku: dict[str, Any], last_month: dict[str, Any], login: Any, username: str
) -> None:
    # given a settled period (by Saku's finance staff)
    period, folder = last_month["period"], last_month["folder"]
    login("saku-finance").post(SETTLEMENTS, {"action": "settle", "period": period})
    before = list(Settlement.objects.values_list("period", "status"))
    audit = AuditRecord.objects.count()
    files = sorted(p.name for p in folder.iterdir())

    # when someone who is not finance or admin staff of a member town tries every route of the area
    client = login(username)
    for response in (
        client.get(SETTLEMENTS),
        client.get(SETTLEMENTS, {"period": period}),
        client.post(SETTLEMENTS, {"action": "settle", "period": "2020-01"}),
        client.post(SETTLEMENTS, {"action": "transferred", "period": period}),
        client.get(f"{SETTLEMENTS}{period}/files/clearing-saku-{period}.csv"),
    ):
        # then each is refused, with nothing of the area in the answer
        assert response.status_code == 403
        assert b"tenancy.forbidden" in response.content
        assert b"h-runs" not in response.content
        assert b"zengin-main" not in response.content

    # and nothing was written
    assert list(Settlement.objects.values_list("period", "status")) == before
    assert AuditRecord.objects.count() == audit
    assert sorted(p.name for p in folder.iterdir()) == files
    assert not (folder.parent / "2020-01").exists()


@pytest.mark.parametrize("username", ["saku-finance", "komoro-admin", "miyota-finance", "agency"])
def test_finance_and_admin_staff_of_member_towns_and_the_agency_see_the_area(
    saku: dict[str, Any], login: Any, username: str
) -> None:
    assert login(username).get(SETTLEMENTS).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(saku: dict[str, Any], client: Client) -> None:
    for path in (WALLET, SETTLEMENTS, f"{SETTLEMENTS}2026-10/files/clearing-saku-2026-10.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("staff-login"))
