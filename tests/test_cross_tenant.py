"""Staff of one municipality attack another's data through every page and endpoint that takes a municipality.

The route list is checked against the URL configuration, so a new route that takes an `lg_code` fails this
test until its attack is added here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hiroba.assist.models import AssistSession, OutreachEnrollment
from hiroba.core.models import AuditRecord
from hiroba.health.models import StepDay
from hiroba.identity.models import Consent, Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.ledger.models import Journal
from hiroba.tenancy.models import Municipality, Role, RoleGrant, Staff
from hiroba.voting.models import Election
from hiroba.voting.services import question_yes_no
from hiroba.wallet.models import AreaSettings, Merchant, PrintedCard

pytestmark = pytest.mark.django_db

VICTIMS = ["111007", "202088"]  # another prefecture's city, and a neighbour in the same currency area
ATTACKERS = ["saku-admin", "saku-health", "agency"]

# Routes that show a municipality's public profile: readable by anyone by design.
PUBLIC = {"m/<str:lg_code>/", "api/v1/municipalities/<lg_code>"}


def routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def attacks(victim: str) -> list[tuple[str, str, str, dict[str, object]]]:
    """(route template, method, path, JSON or form body) for every municipal route, aimed at the victim."""
    staff = Staff.objects.filter(municipality_id=victim).order_by("pk").first()
    grant = RoleGrant.objects.filter(municipality_id=victim).order_by("pk").first()
    assert staff is not None
    assert grant is not None
    april = dt.date(2026, 4, 1).isoformat()
    resident = Resident.objects.filter(municipality_id=victim).first() or make_resident(victim)
    if area := Municipality.objects.get(lg_code=victim).currency_area:  # refunds of paid coins allowed, so the
        AreaSettings.objects.update_or_create(
            area=area, defaults={"paid_refund_rule": "any_time"}
        )  # own admin succeeds
    # a shop that applied in the victim's town (written directly: no audit record); a town outside any currency
    # area can have no shops, so its attack names a made-up one
    area_id = Municipality.objects.get(lg_code=victim).currency_area_id
    shop = "m_0000000000000000"
    if area_id is not None:
        shop = Merchant.objects.get_or_create(
            municipality_id=victim,
            name="見本攻撃対象商店",
            defaults={
                "area_id": area_id,
                "name_roman": "MIHON TARGET",
                "address": "見本1-1",
                "bank_code": "1390",
                "branch_code": "001",
                "account_number": "7654321",
                "holder_kana": "ﾐﾎﾝ",
            },
        )[0].pk
    # a printed card of a victim's resident (written directly: no audit record)
    card = PrintedCard.objects.get_or_create(
        id=f"c_{victim}0000000000", defaults={"resident": resident, "pin_hash": make_password("2580")}
    )[0].pk
    # two days of a victim's resident held for review, one for the page and one for the API (written directly)
    held, held_api = (
        StepDay.objects.get_or_create(
            resident=resident,
            day=day,
            origin="apple_health",
            defaults={"steps": 60_000, "entered_by": "resident", "status": "held",
                      "hold_reasons": ["over_50000_steps"], "updated_at": dt.datetime(2026, 11, 3, tzinfo=dt.UTC)},
        )[0].pk
        for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 2))
    )  # fmt: skip
    # the resident's consent to paper logs, so that the counter's entry works for the town's own staff
    Consent.objects.get_or_create(
        resident=resident, purpose="health:paper", withdrawn_at=None,
        defaults={"notice_version": "t", "notice_digest": "0" * 64, "language": "ja",
                  "granted_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
    )  # fmt: skip
    rule = json.dumps({"version": 1, "step_tiers": [{"min_steps": 5000, "points": 3}]})
    # an open counter session of the town's administrator for that resident, and the resident's outreach
    # enrollment (written directly: no audit record)
    clerk = RoleGrant.objects.filter(municipality_id=victim, role="admin").order_by("pk").first()
    assert clerk is not None
    now = dt.datetime.now(dt.UTC)
    session = AssistSession.objects.get_or_create(
        id=f"as_{victim}000000", defaults={"municipality_id": victim, "staff": clerk.staff.user, "resident": resident,
        "reason": "t", "consent_text_digest": "0" * 64, "started_at": now, "expires_at": now + dt.timedelta(hours=1)},
    )[0].pk  # fmt: skip
    enrollment = OutreachEnrollment.objects.get_or_create(
        resident=resident, withdrawn_at=None, defaults={"opted_in_at": now, "recorded_by": clerk.staff.user}
    )[0].pk
    # a draft poll of the victim's election committee (written directly: no audit record)
    poll = Election.objects.get_or_create(
        municipality_id=victim,
        title="見本攻撃対象投票",
        defaults={"uuid": f"Atk{victim.replace('0', 'z')}Pxxxxx"[:14],  # Base58 has no 0
                  "questions": [question_yes_no("見本の問い"), question_yes_no("見本の問い2")],
                  "opens_at": now + dt.timedelta(days=7), "closes_at": now + dt.timedelta(days=14)},
    )[0].uuid  # fmt: skip
    return [
        ("staff/m/<str:lg_code>/staff/", "GET", f"/staff/m/{victim}/staff/", {}),
        ("staff/m/<str:lg_code>/staff/", "POST", f"/staff/m/{victim}/staff/",
         {"staff_id": staff.pk, "role": "finance", "starts_on": april}),
        ("staff/m/<str:lg_code>/roles/<int:grant_id>/end/", "POST", f"/staff/m/{victim}/roles/{grant.pk}/end/", {}),
        ("staff/m/<str:lg_code>/audit/", "GET", f"/staff/m/{victim}/audit/", {}),
        ("api/v1/municipalities/<lg_code>/staff", "GET", f"/api/v1/municipalities/{victim}/staff", {}),
        ("api/v1/municipalities/<lg_code>/staff/<staff_id>/roles", "POST",
         f"/api/v1/municipalities/{victim}/staff/{staff.pk}/roles", {"role": "health", "starts_on": april}),
        ("api/v1/municipalities/<lg_code>/roles/<grant_id>/end", "POST",
         f"/api/v1/municipalities/{victim}/roles/{grant.pk}/end", {}),
        ("api/v1/municipalities/<lg_code>/audit", "GET", f"/api/v1/municipalities/{victim}/audit", {}),
        ("api/v1/municipalities/<lg_code>/budgets", "POST", f"/api/v1/municipalities/{victim}/budgets",
         {"year": 2026, "amount": 1000}),
        ("api/v1/municipalities/<lg_code>/coin-sales", "POST", f"/api/v1/municipalities/{victim}/coin-sales",
         {"resident": resident.pairwise_id, "amount": 500}),
        ("api/v1/municipalities/<lg_code>/coin-refunds", "POST", f"/api/v1/municipalities/{victim}/coin-refunds",
         {"resident": resident.pairwise_id, "amount": 1}),
        ("staff/m/<str:lg_code>/wallet/", "GET", f"/staff/m/{victim}/wallet/", {}),
        ("staff/m/<str:lg_code>/wallet/", "POST", f"/staff/m/{victim}/wallet/",
         {"action": "budget", "year": 2026, "amount": 1000, "token": f"attack-token-{victim}"}),
        ("staff/m/<str:lg_code>/wallet/", "POST", f"/staff/m/{victim}/wallet/",
         {"action": "approve", "merchant_id": shop}),
        ("staff/m/<str:lg_code>/wallet/", "POST", f"/staff/m/{victim}/wallet/",
         {"action": "suspend", "merchant_id": shop, "reason": "attack"}),
        ("staff/m/<str:lg_code>/wallet/cards/", "POST", f"/staff/m/{victim}/wallet/cards/",
         {"action": "unlock", "card_id": card}),
        ("staff/m/<str:lg_code>/wallet/cards/", "POST", f"/staff/m/{victim}/wallet/cards/",
         {"action": "lost", "card_id": card}),
        ("staff/m/<str:lg_code>/wallet/cards/", "POST", f"/staff/m/{victim}/wallet/cards/",
         {"action": "issue", "resident": resident.pairwise_id, "pin": "2580", "daily_limit": 5000}),
        ("staff/m/<str:lg_code>/health/rules/", "GET", f"/staff/m/{victim}/health/rules/", {}),
        ("staff/m/<str:lg_code>/health/rules/", "POST", f"/staff/m/{victim}/health/rules/",
         {"action": "check", "document": rule, "valid_from": "2027-04-01", "note": ""}),
        ("staff/m/<str:lg_code>/health/review/", "GET", f"/staff/m/{victim}/health/review/", {}),
        ("staff/m/<str:lg_code>/health/", "GET", f"/staff/m/{victim}/health/", {}),
        ("staff/m/<str:lg_code>/health/imports/", "GET", f"/staff/m/{victim}/health/imports/", {}),
        ("staff/m/<str:lg_code>/health/imports/", "POST", f"/staff/m/{victim}/health/imports/",
         {"action": "paper", "resident": resident.pairwise_id, "day": "2026-11-01", "steps": "4000"}),
        ("staff/m/<str:lg_code>/health/review/", "POST", f"/staff/m/{victim}/health/review/",
         {"day": held, "decision": "approve", "reason": "attack"}),
        ("api/v1/municipalities/<lg_code>/health/review", "GET", f"/api/v1/municipalities/{victim}/health/review", {}),
        ("api/v1/municipalities/<lg_code>/health/review/<day_id>", "POST",
         f"/api/v1/municipalities/{victim}/health/review/{held_api}", {"approve": False, "reason": "attack"}),
        ("api/v1/municipalities/<lg_code>/health/rules/simulate", "POST",
         f"/api/v1/municipalities/{victim}/health/rules/simulate", {"document": json.loads(rule)}),
        ("staff/m/<str:lg_code>/assist/", "GET", f"/staff/m/{victim}/assist/", {}),
        ("staff/m/<str:lg_code>/assist/s/<str:session_id>/", "GET", f"/staff/m/{victim}/assist/s/{session}/", {}),
        ("staff/m/<str:lg_code>/assist/s/<str:session_id>/", "POST", f"/staff/m/{victim}/assist/s/{session}/",
         {"action": "outreach_join"}),
        ("staff/m/<str:lg_code>/assist/s/<str:session_id>/ended/", "GET",
         f"/staff/m/{victim}/assist/s/{session}/ended/", {}),
        ("staff/m/<str:lg_code>/assist/s/<str:session_id>/receipt.pdf", "GET",
         f"/staff/m/{victim}/assist/s/{session}/receipt.pdf", {}),
        ("staff/m/<str:lg_code>/assist/outreach/", "GET", f"/staff/m/{victim}/assist/outreach/", {}),
        ("staff/m/<str:lg_code>/assist/outreach/", "POST", f"/staff/m/{victim}/assist/outreach/",
         {"enrollment": enrollment, "outcome": "called", "note": "", "follow_up_on": ""}),
        ("staff/m/<str:lg_code>/assist/outreach/export/", "POST", f"/staff/m/{victim}/assist/outreach/export/",
         {"reason": "attack"}),
        ("staff/m/<str:lg_code>/assist/residents/", "GET", f"/staff/m/{victim}/assist/residents/", {}),
        ("staff/m/<str:lg_code>/assist/residents/", "POST", f"/staff/m/{victim}/assist/residents/",
         {"action": "flag", "resident": resident.pairwise_id}),
        ("staff/m/<str:lg_code>/assist/letters/", "GET", f"/staff/m/{victim}/assist/letters/", {}),
        ("staff/m/<str:lg_code>/assist/letters/", "POST", f"/staff/m/{victim}/assist/letters/",
         {"on": "2026-11-26", "within_days": "30"}),
        ("staff/m/<str:lg_code>/polls/", "GET", f"/staff/m/{victim}/polls/", {}),
        ("staff/m/<str:lg_code>/polls/new/", "GET", f"/staff/m/{victim}/polls/new/", {}),
        ("staff/m/<str:lg_code>/polls/<str:uuid>/", "GET", f"/staff/m/{victim}/polls/{poll}/", {}),
        ("staff/m/<str:lg_code>/polls/<str:uuid>/questions/", "GET", f"/staff/m/{victim}/polls/{poll}/questions/", {}),
        ("staff/m/<str:lg_code>/polls/<str:uuid>/questions/", "POST", f"/staff/m/{victim}/polls/{poll}/questions/",
         {"action": "remove", "index": "1"}),
        ("staff/m/<str:lg_code>/polls/<str:uuid>/voters/", "POST", f"/staff/m/{victim}/polls/{poll}/voters/",
         {"action": "enroll"}),
        ("staff/m/<str:lg_code>/polls/<str:uuid>/trustees/", "POST", f"/staff/m/{victim}/polls/{poll}/trustees/",
         {"action": "invite", "name": "見本 攻撃者"}),
        ("staff/m/<str:lg_code>/polls/<str:uuid>/credentials/", "GET",
         f"/staff/m/{victim}/polls/{poll}/credentials/", {}),
        ("staff/m/<str:lg_code>/polls/terminal/", "GET", f"/staff/m/{victim}/polls/terminal/", {}),
        ("staff/m/<str:lg_code>/polls/credentials/", "GET", f"/staff/m/{victim}/polls/credentials/", {}),
        ("staff/m/<str:lg_code>/learning/", "GET", f"/staff/m/{victim}/learning/", {}),
    ]  # fmt: skip


def test_every_route_that_takes_a_municipality_is_attacked_or_public(demo: object) -> None:
    municipal = {r for r in routes(get_resolver().url_patterns) if "lg_code" in r}
    attacked = {template for template, *_ in attacks("111007")}
    assert municipal - PUBLIC == attacked


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("victim", VICTIMS)
def test_staff_of_one_town_cannot_read_or_write_anothers_data(
    demo: object, client: Client, attacker: str, victim: str
) -> None:
    # given staff of Saku City (or the agency), signed in
    from hiroba.identity.models import User

    client.force_login(User.objects.get(username=attacker))
    grants_before = list(RoleGrant.objects.order_by("pk").values_list("pk", "role", "ends_on"))
    audit_before = AuditRecord.objects.count()
    journals_before = Journal.objects.count()
    victim_names = list(Staff.objects.filter(municipality_id=victim).values_list("user__full_name_kana", flat=True))

    for template, method, path, body in attacks(victim):
        # when they aim each page and endpoint at another municipality
        if path.startswith("/api/"):
            response = client.generic(
                method, path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"k-{path}"
            )
            # then the API refuses with the machine-readable reason
            assert response.status_code == 403, (template, method, response.content[:200])
            assert response.json()["code"] == "tenancy.forbidden"
        else:
            response = client.get(path) if method == "GET" else client.post(path, body)
            assert response.status_code == 403, (template, method, response.status_code)
            assert b"tenancy.forbidden" in response.content
        # and nothing of the victim leaks into the answer
        for kana in victim_names:
            assert kana.encode() not in response.content

    # and nothing was written anywhere
    assert list(RoleGrant.objects.order_by("pk").values_list("pk", "role", "ends_on")) == grants_before
    assert AuditRecord.objects.count() == audit_before
    assert Journal.objects.count() == journals_before


def test_the_same_requests_succeed_for_the_towns_own_admin(demo: object, client: Client) -> None:
    """The attack list is live: aimed at the attacker's own town, every route answers."""
    from hiroba.identity.models import User

    admin = User.objects.get(username="saku-admin")
    for role in (Role.ELECTION, Role.CREDENTIALS):  # the committee's and the credential authority's pages too
        RoleGrant.objects.create(staff=admin.staff, municipality_id="202177", role=role, starts_on=dt.date(2026, 4, 1))
    client.force_login(admin)
    for template, method, path, body in attacks("202177"):
        if path.startswith("/api/"):
            response = client.generic(
                method, path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"k-{path}"
            )
        else:
            response = client.get(path) if method == "GET" else client.post(path, body)
        assert response.status_code in {200, 201, 302}, (template, method, response.status_code)


def test_signed_out_visitors_are_sent_to_sign_in_or_refused(demo: object, client: Client) -> None:
    for template, method, path, body in attacks("202177"):
        if path.startswith("/api/"):
            response = client.generic(
                method, path, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
            )
            assert response.status_code == 401, template
            assert response.json()["code"] == "auth.required"
        else:
            response = client.get(path) if method == "GET" else client.post(path, body)
            assert response.status_code == 302, template
            assert response["Location"].startswith("/staff/login/")
