"""The health pages through the Django test client: a resident's upload, days and consents; a town's health staff
checking, simulating and adopting a rule, and deciding held days."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hiroba.health import services
from hiroba.health.models import DayStatus, RuleVersion, StepDay
from hiroba.health.samples.apple import daily_walks
from hiroba.health.tests.test_services import OPERATOR, RULE, consent
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.tenancy.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanako(demo: Any) -> Resident:
    return make_resident("202177")


def signed_in(resident: Resident) -> Client:
    client = Client()
    assert resident.person is not None
    client.force_login(resident.person.user)
    return client


def export_file(resident: Resident, *walks: tuple[int, int]) -> SimpleUploadedFile:
    today = timezone.localdate()
    data = daily_walks((today - timedelta(days=ago), "花子のiPhone", steps) for ago, steps in walks).getvalue()
    return SimpleUploadedFile("export.xml", data, content_type="application/xml")


def test_a_resident_agrees_uploads_and_sees_the_days(hanako: Resident) -> None:
    client = signed_in(hanako)
    refused = client.post("/health/upload/", {"export": export_file(hanako, (1, 6400))})
    assert refused.status_code == 403  # no consent yet: the page says so, nothing is stored
    assert "health.no_consent" in refused.content.decode()
    assert not StepDay.objects.exists()
    assert client.post("/health/consent/", {"source": "apple_health", "consent": "on"}).status_code == 302
    response = client.post("/health/upload/", {"export": export_file(hanako, (1, 6400), (2, 3100))}, follow=True)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert f'data-testid="steps-{day}">6,400<' in response.content.decode()
    assert "2 日分を取り込みました" in response.content.decode()


def test_a_bad_file_is_refused_on_the_page_naming_the_reason(hanako: Resident) -> None:
    consent(hanako, "apple_health")
    client = signed_in(hanako)
    bad = SimpleUploadedFile("export.xml", b"<HealthData><Record", content_type="application/xml")
    response = client.post("/health/upload/", {"export": bad})
    assert response.status_code == 422
    assert "import." in response.content.decode()
    assert not StepDay.objects.exists()


def test_the_resident_can_withdraw_consent_and_delete_the_history(hanako: Resident) -> None:
    consent(hanako, "apple_health")
    client = signed_in(hanako)
    client.post("/health/upload/", {"export": export_file(hanako, (1, 5000))})
    assert client.post("/health/delete-steps/", {}).status_code == 422  # not confirmed: nothing deleted
    assert StepDay.objects.count() == 1
    assert client.post("/health/delete-steps/", {"confirm": "yes"}).status_code == 302
    assert not StepDay.objects.exists()
    client.post("/health/consent/", {"source": "apple_health", "consent": "off"})
    assert client.post("/health/upload/", {"export": export_file(hanako, (1, 5000))}).status_code == 403


def test_staff_check_simulate_and_adopt_a_rule(demo: Any, login: Any) -> None:
    saku = Municipality.objects.get(lg_code="202177")
    today = timezone.localdate()
    services.rule_version_add(
        municipality=saku,
        document=RULE,
        valid_from=today - timedelta(days=30),
        note="",
        actor=OPERATOR,
        today=today - timedelta(days=30),
    )
    walker = make_resident("202177")
    consent(walker, "apple_health")
    services.steps_import(
        resident=walker, upload=daily_walks([(today - timedelta(days=3), "iPhone", 9000)]), actor=OPERATOR
    )
    client = login("saku-health")
    bad = client.post(
        "/staff/m/202177/health/rules/",
        {"action": "check", "document": '{"version": 1}', "valid_from": (today + timedelta(1)).isoformat()},
    )
    assert bad.status_code == 422
    assert "step_tiers" in bad.content.decode()
    richer = {**RULE, "step_tiers": [{"min_steps": 2000, "points": 2}, {"min_steps": 8000, "points": 8}]}
    check = client.post(
        "/staff/m/202177/health/rules/",
        {"action": "check", "document": json.dumps(richer), "valid_from": (today + timedelta(1)).isoformat()},
    )
    page = check.content.decode()
    assert check.status_code == 200
    assert 'data-testid="draft-points">58<' in page  # 8 for the 8,000 tier + 50 for first participation
    adopt = client.post(
        "/staff/m/202177/health/rules/",
        {
            "action": "adopt",
            "document": json.dumps(richer),
            "valid_from": (today + timedelta(1)).isoformat(),
            "note": "v2",
        },
    )
    assert adopt.status_code == 302
    assert RuleVersion.objects.filter(municipality=saku).count() == 2
    assert login("komoro-health").get("/staff/m/202177/health/rules/").status_code == 403


def test_staff_decide_held_days_with_a_reason(demo: Any, login: Any) -> None:
    walker = make_resident("202177")
    consent(walker, "apple_health")
    services.steps_import(
        resident=walker,
        upload=daily_walks([(timezone.localdate() - timedelta(days=2), "iPhone", 70_000)]),
        actor=OPERATOR,
    )
    held = StepDay.objects.get()
    client = login("saku-health")
    page = client.get("/staff/m/202177/health/review/").content.decode()
    assert walker.pairwise_id in page
    assert client.post("/staff/m/202177/health/review/", {"day": held.pk, "decision": "reject"}).status_code == 422
    assert (
        client.post(
            "/staff/m/202177/health/review/", {"day": held.pk, "decision": "reject", "reason": "機器の誤作動"}
        ).status_code
        == 302
    )
    assert StepDay.objects.get().status == DayStatus.REJECTED


def test_a_resident_links_a_partner_of_their_town_only(hanako: Resident) -> None:
    from hiroba.health.models import Partner, PartnerLink

    Partner.objects.create(slug="aruku", municipality_id="202177", name="見本歩数計", secret="s" * 43)
    Partner.objects.create(slug="elsewhere", municipality_id="202088", name="小諸の見本", secret="t" * 43)
    client = signed_in(hanako)
    assert "見本歩数計" in client.get("/health/").content.decode()
    assert client.post("/health/partners/", {"partner": "aruku", "user": "hanako-77"}).status_code == 302
    link = PartnerLink.objects.get()
    assert (link.resident_id, link.partner_id) == (hanako.pk, "aruku")
    assert "hanako-77" not in link.member  # a keyed hash of the partner's user ID
    assert client.post("/health/partners/", {"partner": "elsewhere", "user": "x"}).status_code == 404


def _walkers(lg_code: str, count: int, steps: int = 6000) -> None:
    day = timezone.localdate() - timedelta(days=2)
    for _ in range(count):
        walker = make_resident(lg_code)
        consent(walker, "apple_health")
        services.steps_import(resident=walker, upload=daily_walks([(day, "iPhone", steps)]), actor=OPERATOR)


def test_the_town_dashboard_counts_participants_by_age(demo: Any, login: Any) -> None:
    _walkers("202177", 3)
    page = login("saku-health").get("/staff/m/202177/health/").content.decode()
    assert 'data-testid="age-40-64">3<' in page  # the factory's residents were born in January 1980
    assert login("komoro-health").get("/staff/m/202177/health/").status_code == 403


def test_the_agency_sees_towns_of_ten_or_more_only(demo: Any, login: Any) -> None:
    _walkers("202177", 10, steps=7000)
    _walkers("202088", 9)
    page = login("agency").get("/staff/agency/health/").content.decode()
    saku = page.split('data-testid="town-202177"')[1].split("</tr>")[0]
    komoro = page.split('data-testid="town-202088"')[1].split("</tr>")[0]
    assert ">10<" in saku
    assert "7,000" in saku
    assert "9" not in komoro  # suppressed: fewer than 10 participants
    assert login("saku-health").get("/staff/agency/health/").status_code == 403


def test_counter_staff_enter_a_paper_log_and_health_staff_import_checkups(demo: Any, login: Any) -> None:
    from hiroba.health.samples.checkups import INSURER, Person, tokutei_archive

    walker = make_resident("202177")
    consent(walker, "paper", "checkups")
    counter = login("saku-counter")
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    paper = {"action": "paper", "resident": walker.pairwise_id, "day": day, "steps": "4200"}
    entered = counter.post("/staff/m/202177/health/imports/", paper)
    assert entered.status_code == 302
    assert StepDay.objects.get().entered_by == "staff"
    assert counter.post("/staff/m/202177/health/imports/", {"action": "checkups"}).status_code == 403  # health only
    health = login("saku-health")
    links = f"pairwise_id,保険者番号,記号,番号,枝番\n{walker.pairwise_id},{INSURER},見本,7,01\n".encode()
    assert health.post("/staff/m/202177/health/imports/", {"action": "links", "file": SimpleUploadedFile(
        "links.csv", links)}).status_code == 302  # fmt: skip
    archive = tokutei_archive([Person("見本", "7", "01", timezone.localdate() - timedelta(days=3))])
    upload = {"action": "checkups", "file": SimpleUploadedFile("k.zip", archive)}
    response = health.post("/staff/m/202177/health/imports/", upload, follow=True)
    assert "1 checkups recorded" in response.content.decode()
