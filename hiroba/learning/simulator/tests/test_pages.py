"""The simulator's pages through the test client: the guided walk without JavaScript, in Japanese and English,
and every refusal as a page with its status and reason code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hiroba.identity.models import User
from hiroba.learning.models import ActivityCompletion
from hiroba.learning.simulator import services
from hiroba.learning.simulator.models import Walk

pytestmark = pytest.mark.django_db


def step_url(walk: Walk, number: int) -> str:
    return reverse("simulator-step", kwargs={"walk_id": walk.pk, "number": number})


def start(client: Client) -> Walk:
    response = client.post(reverse("simulator-home"))
    assert response.status_code == 302
    return Walk.objects.get(trainee__username="saku-counter", current=True)


def test_home_is_named_and_explains_the_simulator(login: Any, demo: Any) -> None:
    client = login("saku-counter")
    page = client.get("/learning/simulator/")
    assert reverse("simulator-home") == "/learning/simulator/"
    assert page.status_code == 200
    body = page.content.decode()
    assert 'lang="ja"' in body
    assert "1234" in body  # the published training PIN
    assert 'action=""' not in body


def test_the_whole_walk_by_forms_in_japanese(login: Any, demo: Any) -> None:
    client = login("saku-counter")
    walk = start(client)
    page = client.get(step_url(walk, 1)).content.decode()
    assert '<progress max="6" value="0"' in page
    assert page.count('aria-current="step"') == 1
    assert 'id="h-resident"' in page
    assert 'id="h-staff"' in page
    # a wrong PIN counts down, shown with its reason code
    wrong = client.post(step_url(walk, 1), {"action": "sign", "pin": "9999", "password": "RENSHU1"})
    assert wrong.status_code == 422
    assert "simulator.pin_wrong" in wrong.content.decode()
    assert "あと2回" in wrong.content.decode()
    # the right ones lead to the consent page as residents see it
    client.post(step_url(walk, 1), {"action": "sign", "pin": "1234", "password": "RENSHU1"})
    consent = client.get(step_url(walk, 1)).content.decode()
    assert "ひろば練習町" in consent
    assert 'id="consent-items"' in consent
    assert "練習 花子" in consent  # the name the card carries, as the consent page shows it
    done = client.post(step_url(walk, 1), {"action": "consent", "consent": "yes"})
    assert done.status_code == 302
    assert done.url == reverse("simulator-walk", kwargs={"walk_id": walk.pk})
    assert client.post(step_url(walk, 2), {"action": "sign_in", "pin": "1234"}).status_code == 302
    assert client.post(step_url(walk, 3), {"action": "convert", "points": "1,000"}).status_code == 302
    pay_page = client.get(step_url(walk, 4)).content.decode()
    payload = re.search(r'<textarea id="qr"[^>]*>([^<]+)</textarea>', pay_page)
    assert payload is not None
    assert 'src="data:image/svg+xml' in pay_page
    qr = payload.group(1).replace("&amp;", "&")
    assert client.post(step_url(walk, 4), {"action": "pay", "qr": qr, "amount": "300"}).status_code == 302
    assert (
        client.post(step_url(walk, 5), {"action": "offer", "scopes": ["balance"], "evidence": "委任状"}).status_code
        == 302
    )
    walk.refresh_from_db()
    accepted = client.post(step_url(walk, 5), {"action": "accept", "code": walk.proxy_code, "pin": "1234"})
    assert accepted.status_code == 302
    last = client.post(step_url(walk, 6), {"action": "vote", "choice": "2"})
    assert last.status_code == 302
    summary = client.get(last.url).content.decode()
    assert "walk-complete" in summary
    assert ActivityCompletion.objects.filter(staff__user__username="saku-counter", activity="simulator").exists()


def test_a_step_page_in_english(login: Any, demo: Any) -> None:
    client = login("saku-counter")
    walk = start(client)
    client.post(reverse("set-language"), {"language": "en", "next": "/"})
    page = client.get(step_url(walk, 1)).content.decode()
    assert "Step 1 of 6" in page
    assert "What the resident sees" in page


def test_steps_out_of_order_are_refused_with_409(login: Any, demo: Any) -> None:
    client = login("saku-counter")
    walk = start(client)
    early = client.get(step_url(walk, 4))
    assert early.status_code == 409
    assert "simulator.step_order" in early.content.decode()
    posted = client.post(step_url(walk, 3), {"action": "convert", "points": "1000"})
    assert posted.status_code == 409
    assert client.get(step_url(walk, 9)).status_code == 404


def test_locked_card_offers_the_counter_reset(login: Any, demo: Any) -> None:
    client = login("saku-counter")
    walk = start(client)
    for _ in range(3):
        last = client.post(step_url(walk, 1), {"action": "sign", "pin": "0000", "password": "RENSHU1"})
    assert last.status_code == 409
    body = last.content.decode()
    assert "simulator.pin_locked" in body
    assert "card-locked" in body
    reset = client.post(reverse("simulator-counter", kwargs={"walk_id": walk.pk}), {"secret": "pin"})
    assert reset.status_code == 302
    walk.refresh_from_db()
    assert walk.pin_tries_left == 3


def test_another_trainees_walk_is_403(login: Any, demo: Any) -> None:
    owner = Client()
    owner.force_login(User.objects.get(username="saku-counter"))
    walk = start(owner)
    intruder = login("matsudo-admin")
    page = intruder.get(step_url(walk, 1))
    assert page.status_code == 403
    assert "simulator.walk_not_yours" in page.content.decode()
    posted = intruder.post(reverse("simulator-counter", kwargs={"walk_id": walk.pk}), {"secret": "pin"})
    assert posted.status_code == 403


def test_residents_and_anonymous_visitors_get_403(client: Client, demo: Any) -> None:
    from hiroba.identity.tests.factories import make_resident

    anonymous = client.get(reverse("simulator-home"))
    assert anonymous.status_code == 403
    assert "simulator.staff_only" in anonymous.content.decode()
    resident = make_resident("202177", "見本 花子")
    assert resident.person is not None
    client.force_login(resident.person.user)
    assert client.get(reverse("simulator-home")).status_code == 403
    assert client.post(reverse("simulator-home")).status_code == 403


def test_the_trainee_stays_signed_in_as_staff(login: Any, demo: Any) -> None:
    client = login("saku-counter")
    walk = start(client)
    client.post(step_url(walk, 1), {"action": "sign", "pin": "1234", "password": "RENSHU1"})
    client.post(step_url(walk, 1), {"action": "consent", "consent": "yes"})
    client.post(step_url(walk, 2), {"action": "sign_in", "pin": "1234"})
    # the session is still the clerk's: the staff page opens, the resident's wallet does not
    assert client.get(reverse("staff-home")).status_code == 200
    assert client.get(reverse("wallet-home")).status_code in (302, 403)


def test_sandbox_never_shows_on_real_towns_staff_pages(login: Any, demo: Any) -> None:
    services.simulator_sandbox_ensure()
    client = login("saku-finance")
    page = client.get("/staff/m/202177/wallet/")
    assert page.status_code == 200
    body = page.content.decode()
    assert services.SHOP_NAME not in body
    assert "練習" not in body
    assert client.get(f"/staff/m/{services.SANDBOX_LG_CODE}/wallet/").status_code == 403
