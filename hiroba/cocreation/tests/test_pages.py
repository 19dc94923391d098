"""The workshop's pages with the demo's staff: post an idea, support it once, discuss it, with every text escaped;
nobody but staff gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hiroba.cocreation.models import Comment, Idea, Space
from hiroba.cocreation.tests.helpers import signed_in
from hiroba.demo import demo_cocreation
from hiroba.identity.tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_a_staff_member_posts_supports_and_discusses_an_idea(demo: Any) -> None:
    demo_cocreation()
    saku, komoro = signed_in("saku-admin"), signed_in("komoro-admin")
    assert "窓口DX" in saku.get("/cocreation/").content.decode()
    posted = saku.post(
        "/cocreation/s/counter-dx/",
        {"title": "転入手続きの待ち時間", "problem": "<b>三月</b>に窓口が混む", "proposal": "予約制にする",
         "services": "転入、住民票"},
    )  # fmt: skip
    idea = Idea.objects.get(title="転入手続きの待ち時間")
    assert posted["Location"] == f"/cocreation/i/{idea.pk}/"
    assert idea.services == ["転入", "住民票"]
    page = saku.get(posted["Location"]).content.decode()
    assert "&lt;b&gt;三月&lt;/b&gt;" in page  # escaped, never markup
    # Komoro supports it once; the second press is refused with the reason and counts nothing
    komoro.post(f"/cocreation/i/{idea.pk}/", {"action": "support"})
    twice = komoro.post(f"/cocreation/i/{idea.pk}/", {"action": "support"})
    assert twice.status_code == 409
    assert "cocreation.support.twice" in twice.content.decode()
    assert 'data-towns="1" data-staff="1"' in komoro.get(f"/cocreation/i/{idea.pk}/").content.decode()
    # an argument for, and a reply to it
    komoro.post(f"/cocreation/i/{idea.pk}/", {"action": "comment", "stance": "for", "body": "うちもです"})
    first = Comment.objects.get(idea=idea)
    saku.post(f"/cocreation/i/{idea.pk}/", {"action": "comment", "body": "ありがとうございます", "reply_to": first.pk})
    assert Comment.objects.get(parent=first).body == "ありがとうございます"
    missing = saku.post(f"/cocreation/i/{idea.pk}/", {"action": "comment", "body": "x", "reply_to": "999999"})
    assert missing.status_code == 404
    # the space lists the demo's idea with four supporting towns first
    listing = saku.get("/cocreation/s/card/").content.decode()
    assert "健康ポイントを近隣の町で使える地域通貨に" in listing


def test_only_staff_see_the_workshop(demo: Any) -> None:
    demo_cocreation()
    resident = make_resident("202177")
    assert resident.person is not None
    client = Client()
    client.force_login(resident.person.user)
    for path in ("/cocreation/", "/cocreation/s/card/", f"/cocreation/i/{Idea.objects.first().pk}/"):  # type: ignore[union-attr]
        assert client.get(path).status_code == 403
        assert Client().get(path).status_code == 403
    assert Space.objects.count() == 2
    demo_cocreation()  # loading again changes nothing
    assert Space.objects.count() == 2
