"""The health API: a partner's signed batches (signature, clock, replay, bad entries, unknown users), a resident's
upload and activity, and a town's review queue."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hiroba.health import services
from hiroba.health.importers.partner import signature
from hiroba.health.models import Partner, StepDay
from hiroba.health.samples.apple import daily_walks
from hiroba.health.tests.test_services import OPERATOR, consent
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(demo: Any) -> tuple[Partner, str]:
    out = io.StringIO()
    call_command(
        "health_partner_add", "--municipality", "202177", "--slug", "aruku", "--name", "見本歩数計", stdout=out
    )
    slug, secret = out.getvalue().split()
    return Partner.objects.get(slug=slug), secret


def push(client: Client, secret: str, entries: list[dict[str, object]], *, nonce: str = "", skew: int = 0,
         key: str = "") -> Any:  # fmt: skip
    body = json.dumps({"entries": entries}).encode()
    nonce = nonce or f"n{time.time_ns()}"
    timestamp = str(int(time.time()) + skew)
    return client.post(
        "/api/v1/health/partners/aruku/steps",
        body,
        content_type="application/json",
        HTTP_X_HIROBA_TIMESTAMP=timestamp,
        HTTP_X_HIROBA_NONCE=nonce,
        HTTP_X_HIROBA_SIGNATURE=signature((key or secret).encode(), timestamp=timestamp, nonce=nonce, body=body),
        HTTP_IDEMPOTENCY_KEY=nonce,
    )


def linked(partner: Partner, user: str) -> Resident:
    resident = make_resident("202177")
    services.partner_link(
        resident=resident, slug=partner.slug, user=user, notice_text="n", language="ja", actor=OPERATOR
    )
    return resident


def test_a_signed_batch_lands_once_and_a_replay_is_refused(partner: tuple[Partner, str], client: Client) -> None:
    p, secret = partner
    walker = linked(p, "user-1")
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    entries = [{"user": "user-1", "date": day, "steps": 7200, "max_per_minute": 120}, {"user": "nobody", "date": day,
               "steps": 100}]  # fmt: skip
    response = push(client, secret, entries, nonce="nonce-0000000001")
    assert response.status_code == 200, response.content
    assert response.json() == {"days": 1, "held": 0, "unknown_users": 1, "no_consent": 0}
    assert StepDay.objects.get(resident=walker).steps == 7200
    replay = push(client, secret, entries, nonce="nonce-0000000001")
    assert (replay.status_code, replay.json()["code"]) == (409, "health.partner_replay")
    again = push(client, secret, entries)  # the same entry in a new batch changes nothing
    assert again.json()["days"] == 0


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"key": "not-the-secret"}, 401, "import.partner_signature"),
        ({"skew": -3600}, 401, "import.partner_clock"),
        ({"nonce": "short"}, 422, "import.partner_nonce"),
    ],
)
def test_bad_signatures_clocks_and_nonces_are_refused(
    partner: tuple[Partner, str], client: Client, change: dict[str, Any], status: int, code: str
) -> None:
    p, secret = partner
    linked(p, "user-1")
    entries = [{"user": "user-1", "date": timezone.localdate().isoformat(), "steps": 100}]
    response = push(client, secret, entries, **change)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not StepDay.objects.exists()


def test_one_bad_entry_refuses_the_whole_batch_naming_it(partner: tuple[Partner, str], client: Client) -> None:
    p, secret = partner
    linked(p, "user-1")
    good = {"user": "user-1", "date": timezone.localdate().isoformat(), "steps": 100}
    response = push(client, secret, [good, {**good, "steps": -5}])
    assert (response.status_code, response.json()["code"]) == (422, "import.negative")
    assert response.json()["detail"] == {"where": "entries[1]"}
    assert not StepDay.objects.exists()


def test_a_resident_uploads_and_reads_their_activity_over_the_api(demo: Any) -> None:
    hanako = make_resident("202177")
    consent(hanako, "apple_health")
    client = Client()
    assert hanako.person is not None
    client.force_login(hanako.person.user)
    day = timezone.localdate() - timedelta(days=1)
    upload = io.BytesIO(daily_walks([(day, "iPhone", 5400)]).getvalue())
    upload.name = "export.xml"
    response = client.post("/api/v1/health/steps", {"export": upload}, HTTP_IDEMPOTENCY_KEY="up-1")
    assert response.json() == {"imported": 1, "skipped": 0, "held": 0}
    activity = client.get("/api/v1/health/activity").json()
    assert {"date": day.isoformat(), "steps": 5400, "status": "counted", "points": {}} in activity["days"]
    assert activity["consents"]["apple_health"] is True


def test_staff_review_over_the_api(demo: Any, login: Any) -> None:
    walker = make_resident("202177")
    consent(walker, "apple_health")
    services.steps_import(
        resident=walker, upload=daily_walks([(timezone.localdate(), "iPhone", 80_000)]), actor=OPERATOR
    )
    client = login("saku-health")
    [held] = client.get("/api/v1/municipalities/202177/health/review").json()
    assert held["reasons"] == ["over_50000_steps"]
    decided = client.post(
        f"/api/v1/municipalities/202177/health/review/{held['id']}",
        json.dumps({"approve": True, "reason": "大会に参加"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert decided.status_code == 200
    assert client.get("/api/v1/municipalities/202177/health/review").json() == []


def test_old_nonces_are_forgotten_after_the_clock_window(partner: tuple[Partner, str], client: Client) -> None:
    from hiroba.health.models import PartnerNonce

    p, secret = partner
    linked(p, "user-1")
    push(client, secret, [{"user": "user-1", "date": timezone.localdate().isoformat(), "steps": 10}])
    assert services.partner_nonces_prune() == 0
    assert services.partner_nonces_prune(now=timezone.now() + timedelta(hours=1)) == 1
    assert not PartnerNonce.objects.exists()
