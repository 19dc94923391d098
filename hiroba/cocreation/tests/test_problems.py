"""窓口のお困りごと: reported by a town, marked "うちもです" once per municipality, ranked by towns affected, linked to
ideas, and found by search."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.cocreation.models import CounterProblem, SameHere
from hiroba.cocreation.selectors import problems_ranked, search
from hiroba.cocreation.tests.helpers import signed_in
from hiroba.demo import demo_cocreation

pytestmark = pytest.mark.django_db


def test_towns_say_same_here_once_and_the_most_shared_problem_comes_first(demo: Any) -> None:
    demo_cocreation()
    saku, saku_other, komoro, agency = (
        signed_in(n) for n in ("saku-counter", "saku-health", "komoro-counter", "agency")
    )
    saku.post("/cocreation/problems/", {"summary": "暗証番号を忘れた方が毎日来る", "detail": "再設定に時間がかかる"})
    komoro.post("/cocreation/problems/", {"summary": "転入の繁忙期に待ち時間が長い"})
    pin = CounterProblem.objects.get(summary__startswith="暗証番号")
    page = f"/cocreation/problems/{pin.pk}/"
    assert komoro.post(page, {"action": "same_here"}).status_code == 302
    # the reporter's town is counted already: a colleague from Saku is told so; the agency has no counter
    again = saku_other.post(page, {"action": "same_here"})
    assert again.status_code == 409
    assert "cocreation.same_here.twice" in again.content.decode()
    assert agency.post(page, {"action": "same_here"}).status_code == 403
    mine = {"暗証番号を忘れた方が毎日来る", "転入の繁忙期に待ち時間が長い"}  # beside the demo's own problem
    assert [(r.problem.summary, r.towns) for r in problems_ranked() if r.problem.summary in mine] == [
        ("暗証番号を忘れた方が毎日来る", 2),
        ("転入の繁忙期に待ち時間が長い", 1),
    ]
    assert SameHere.objects.filter(problem=pin).count() == 2
    # an idea that addresses it is linked, and the problem is found by search
    idea_id = komoro.get("/cocreation/s/counter-dx/").content.decode().split("/cocreation/i/")[1].split("/")[0]
    komoro.post(page, {"action": "link", "idea": idea_id})
    assert list(pin.ideas.values_list("pk", flat=True)) == [idea_id]
    hits = search(q="暗証番号")  # the problem (in its summary) ranks above the demo idea that mentions it in passing
    assert (hits[0].kind, hits[0].ref) == ("problem", pin.pk)
    assert 'data-towns="2"' in komoro.get(page).content.decode()
