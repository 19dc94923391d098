"""The counter's session page and the resident's assist page through the Django test client: each act lands in the
owning app with the clerk acting for the resident, shows on the receipt, and nothing is possible once it ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hiroba.assist.models import AssistAct, ContactPreference, Delegation, OutreachEnrollment
from hiroba.assist.tests.conftest import user_of
from hiroba.assist.tests.test_sessions import clerk, start
from hiroba.core.models import AuditRecord
from hiroba.health.services import consent_purpose
from hiroba.identity.services import consent_grant
from hiroba.wallet.models import PrintedCard
from hiroba.wallet.tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(saku: dict[str, Any]) -> tuple[Client, str]:
    hanako = saku["hanako"]
    consent_grant(
        resident=hanako,
        purpose=consent_purpose("paper"),
        notice_version="t",
        notice_text="t",
        language="ja",
        actor=OPERATOR,
    )
    session = start(hanako)
    client = Client()
    client.force_login(clerk())
    return client, f"/staff/m/202177/assist/s/{session.pk}/"


def test_the_clerk_acts_for_the_resident_and_every_act_is_on_the_receipt(
    saku: dict[str, Any], counter: tuple[Client, str]
) -> None:
    client, url = counter
    hanako = saku["hanako"]
    page = client.get(url)
    assert page.status_code == 200
    assert "職員が代理で操作中" in page.content.decode()
    assert "歩数" not in page.content.decode().split("h-paper")[0]  # no health figures before the paper form

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert client.post(url, {"action": "paper", "day": yesterday, "steps": "6500"}).status_code == 302
    card = client.post(url, {"action": "card", "pin": "2580", "daily_limit": "3000"})
    assert card["Content-Type"] == "application/pdf"
    assert PrintedCard.objects.get(resident=hanako).daily_limit == 3_000
    assert client.post(url, {"action": "contact", "channel": "phone", "phone": "090-1234-5678"}).status_code == 302
    assert ContactPreference.objects.get(resident=hanako).phone == "09012345678"
    ends = (timezone.localdate() + timedelta(days=60)).isoformat()
    offer = client.post(
        url, {"action": "proxy", "scopes": ["balance"], "ends_on": ends, "evidence": "委任状"}, follow=True
    )
    assert "48" in offer.content.decode()
    assert client.post(url, {"action": "outreach_join"}).status_code == 302
    assert OutreachEnrollment.objects.filter(resident=hanako, withdrawn_at__isnull=True).exists()

    kinds = list(AssistAct.objects.values_list("kind", flat=True))
    assert kinds == ["paper_steps", "card_issued", "contact_changed", "proxy_offered", "outreach_joined"]
    acting = AuditRecord.objects.filter(acting_for=f"resident:{hanako.pairwise_id}", channel="counter")
    assert {"wallet:card:issued", "assist:contact:changed", "assist:proxy:offered", "assist:outreach:joined"} <= set(
        acting.values_list("tag", flat=True)
    )

    assert client.post(url, {"action": "end"}).status_code == 302
    receipt = client.get(f"{url}receipt.pdf")
    assert receipt["Content-Type"] == "application/pdf"
    assert client.post(url, {"action": "outreach_leave"}).status_code == 409  # over: nothing more


def test_a_refused_act_shows_its_reason_on_the_page(counter: tuple[Client, str]) -> None:
    client, url = counter
    response = client.post(url, {"action": "convert", "points": "7", "token": "t"})
    assert response.status_code == 422
    assert "wallet.conversion_step" in response.content.decode()
    assert not AssistAct.objects.exists()


def test_a_resident_offers_revokes_and_joins_outreach_on_their_page(saku: dict[str, Any]) -> None:
    father, daughter = saku["hanako"], saku["daughter"]
    mine, hers = Client(), Client()
    mine.force_login(user_of(father))
    hers.force_login(user_of(daughter))
    ends = (timezone.localdate() + timedelta(days=60)).isoformat()
    page = mine.post("/assist/", {"action": "offer", "scopes": ["balance", "convert"], "ends_on": ends})
    code = page.content.decode().split('id="proxy-code">')[1].split("<")[0]
    accepted = hers.post("/assist/", {"action": "accept", "code": code})
    delegation = Delegation.objects.get()
    assert accepted["Location"] == f"/assist/proxy/{delegation.pk}/"
    assert hers.get(accepted["Location"]).status_code == 200
    assert mine.get(f"/assist/proxy/{delegation.pk}/").status_code == 404  # the resident is not his own proxy
    assert mine.post("/assist/", {"action": "revoke", "delegation": delegation.pk}).status_code == 302
    assert hers.get(f"/assist/proxy/{delegation.pk}/").status_code == 403
    assert mine.post("/assist/", {"action": "outreach_join"}).status_code == 302
    assert OutreachEnrollment.objects.filter(resident=father).exists()
