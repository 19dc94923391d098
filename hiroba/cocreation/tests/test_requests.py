"""Requests to the agency (要望): escalation by a town, official answers along the statuses, the followers told of
each, the public tracker's figures; and the digest that e-mails what followers were told."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from hiroba.cocreation.models import (
    AgencyRequest,
    Digest,
    Notification,
    NotificationSetting,
    NotificationVerb,
    RequestStatus,
    RequestUpdate,
)
from hiroba.cocreation.selectors import request_tracker
from hiroba.cocreation.services import (
    digest_send,
    follow_set,
    idea_post,
    problem_report,
    problem_same_here,
    problem_to_idea,
    request_answer,
    request_escalate,
    space_create,
)
from hiroba.cocreation.services.requests import ORDER, status_allowed
from hiroba.cocreation.tests.helpers import refused, signed_in, staff
from hiroba.core.models import AuditRecord
from hiroba.core.tests.race import race
from hiroba.demo import demo_load
from hiroba.identity.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(demo: Any) -> Any:
    return space_create(actor=staff("agency"), slug="card", name="マイナンバーカードの活用", name_en="Using the card")


@given(st.sampled_from(RequestStatus.values), st.sampled_from(RequestStatus.values))
def test_requests_only_move_forward_or_are_declined_and_closed_ones_stay(current: str, new: str) -> None:
    allowed = status_allowed(current, new)
    if current in ("done", "declined"):
        assert not allowed
    elif new == "declined":
        assert allowed
    else:
        assert allowed == (ORDER.index(RequestStatus(new)) >= ORDER.index(RequestStatus(current)))


def test_a_problem_of_three_towns_becomes_a_request_and_every_follower_hears_the_answer(space: Any) -> None:
    problem = problem_report(actor=staff("matsudo-counter"), summary="転入届の窓口で同じことを何度も書いてもらっている")
    problem_same_here(actor=staff("chofu-counter"), problem=problem)
    problem_same_here(actor=staff("saitama-counter"), problem=problem)
    idea = problem_to_idea(
        actor=staff("matsudo-counter"), problem=problem, space=space, proposal="書かない窓口の共通の仕組みを作る"
    )
    assert list(problem.ideas.all()) == [idea]
    assert idea.problem.startswith(problem.summary)
    request = request_escalate(actor=staff("matsudo-counter"), idea=idea)
    assert request.status == RequestStatus.RECEIVED
    # Chofu and Saitama follow the problem, so they hear about the idea and its escalation; Matsudo acted itself
    escalated = Notification.objects.filter(verb=NotificationVerb.ESCALATED)
    assert {n.user.username for n in escalated} == {"chofu-counter", "saitama-counter"}

    update = request_answer(
        actor=staff("agency"), request=request, status=RequestStatus.PLANNED, answer="来年度の標準仕様に入れます。"
    )
    request.refresh_from_db()
    assert (request.status, request.first_answered_at, request.closed_at) == ("planned", update.created_at, None)
    answered = Notification.objects.filter(verb=NotificationVerb.ANSWERED)
    assert {n.user.username for n in answered} == {"matsudo-counter", "chofu-counter", "saitama-counter"}
    assert all(n.detail.startswith("【対応予定】来年度") for n in answered)
    assert AuditRecord.objects.filter(tag="cocreation:request:answered", subject=f"request:{request.pk}").exists()

    # backwards is refused; a municipality cannot answer; declining needs a reason; closed stays closed
    kwargs = {"request": request, "answer": "検討します。"}
    refused("cocreation.request.transition", request_answer, actor=staff("agency"), status="considering", **kwargs)
    refused("tenancy.forbidden", request_answer, actor=staff("chofu-admin"), status="done", **kwargs)
    refused("cocreation.reason", request_answer, actor=staff("agency"), status="declined", **kwargs)
    idea.refresh_from_db()
    assert idea.status == "in_progress"  # the idea follows its request: 対応予定 is being worked on
    request_answer(actor=staff("agency"), request=request, status="done", answer="標準仕様に入れました。")
    idea.refresh_from_db()
    assert idea.status == "done"
    refused("cocreation.request.closed", request_answer, actor=staff("agency"), status="done", **kwargs)
    assert RequestUpdate.objects.filter(request=request).count() == 2
    # the idea can be sent once; the agency does not send requests to itself
    refused("cocreation.request.exists", request_escalate, actor=staff("chofu-counter"), idea=idea)
    other = idea_post(actor=staff("agency"), space=space, title="庁の案", problem="問題", proposal="提案")
    refused("cocreation.town_staff", request_escalate, actor=staff("agency"), idea=other)


def test_the_tracker_shows_answer_times_and_open_requests_by_age(space: Any) -> None:
    now = timezone.now()
    ideas = [
        idea_post(actor=staff(f"{town}-admin"), space=space, title=f"要望{i}", problem="問題", proposal="提案")
        for i, town in enumerate(["saku", "komoro", "miyota", "chofu"])
    ]
    requests = [
        request_escalate(actor=staff(f"{t}-admin"), idea=i)
        for t, i in zip(["saku", "komoro", "miyota", "chofu"], ideas, strict=True)
    ]
    ages = [200, 100, 40, 3]  # days since each was sent
    for request, days in zip(requests, ages, strict=True):
        AgencyRequest.objects.filter(pk=request.pk).update(escalated_at=now - timedelta(days=days))
        request.refresh_from_db()
    request_answer(actor=staff("agency"), request=requests[0], status="considering", answer="検討します。")
    request_answer(
        actor=staff("agency"), request=requests[1], status="declined", answer="難しいです。", reason="法改正が必要"
    )
    tracker = request_tracker(now=now)
    assert tracker.by_status["considering"] == 1
    assert tracker.by_status["declined"] == 1
    assert tracker.by_status["received"] == 2
    assert tracker.answered == 2
    assert tracker.unanswered == 2
    assert tracker.median_answer_days == 150  # answered after 200 and 100 days
    # open: 200 days (considering), 40 days, 3 days; the declined one is closed
    assert tracker.open_by_age == [("0–29", 1), ("30–89", 1), ("90–179", 0), ("180+", 1)]
    assert [row.request.pk for row in tracker.rows][:3] == [requests[0].pk, requests[2].pk, requests[3].pk]
    # the page is public and shows the answers
    html = Client().get("/cocreation/requests/").content.decode()
    assert "法改正が必要" in html
    assert "要望0" in html
    assert 'data-median="150"' in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agency_staff_closing_a_request_at_once_close_it_once(demo: Any) -> None:
    space = space_create(actor=staff("agency"), slug="race", name="競合", name_en="Race")
    idea = idea_post(actor=staff("saku-admin"), space=space, title="同時", problem="問題", proposal="提案")
    request = request_escalate(actor=staff("saku-admin"), idea=idea)
    results = race(
        lambda i: request_answer(actor=staff("agency"), request=request, status="done", answer=f"回答{i}"), n=2
    )
    outcomes = ["done" if isinstance(r, RequestUpdate) else getattr(r, "code", repr(r)) for r in results]
    assert sorted(outcomes) == ["cocreation.request.closed", "done"]
    assert RequestUpdate.objects.filter(request=request).count() == 1


def test_the_digest_mails_each_follower_once_at_the_frequency_they_chose(space: Any) -> None:
    for name, address in (("chofu-counter", "chofu@example.jp"), ("saitama-counter", "saitama@example.jp")):
        User.objects.filter(username=name).update(email=address)
    follow_set(actor=staff("chofu-counter"), kind="space", ref="card", on=True)
    follow_set(actor=staff("saitama-counter"), kind="space", ref="card", on=True)
    follow_set(actor=staff("matsudo-counter"), kind="space", ref="card", on=True)  # no e-mail address
    NotificationSetting.objects.create(user=User.objects.get(username="saitama-counter"), digest=Digest.DAILY)
    idea_post(
        actor=staff("saku-admin"), space=space, title="窓口の予約をオンラインで", problem="待ち時間", proposal="予約"
    )

    daily = digest_send(period=Digest.DAILY)
    assert (daily.sent, daily.notifications) == (1, 1)
    assert mail.outbox[0].to == ["saitama@example.jp"]
    assert "窓口の予約をオンラインで" in mail.outbox[0].body
    assert "/cocreation/i/id_" in mail.outbox[0].body
    weekly = digest_send(period=Digest.WEEKLY)  # Chofu (no setting: weekly); Matsudo has no address
    assert (weekly.sent, weekly.without_address) == (1, 1)
    assert mail.outbox[1].to == ["chofu@example.jp"]
    again = digest_send(period=Digest.WEEKLY)
    assert (again.sent, len(mail.outbox)) == (0, 2)  # nothing is sent twice
    assert Notification.objects.filter(user__username="matsudo-counter", emailed_at__isnull=True).count() == 1


def test_following_refuses_what_does_not_exist_and_outsiders(space: Any) -> None:
    refused("cocreation.follow.unknown", follow_set, actor=staff("saku-admin"), kind="idea", ref="id_nothing", on=True)
    refused("cocreation.follow.unknown", follow_set, actor=staff("saku-admin"), kind="planet", ref="x", on=True)
    refused("cocreation.follow.unknown", follow_set, actor=staff("saku-admin"), kind="topic", ref="x" * 41, on=True)
    assert follow_set(actor=staff("saku-admin"), kind="topic", ref="窓口", on=True)
    page = signed_in("saku-admin").get("/cocreation/notifications/")
    assert "窓口" in page.content.decode()


def test_the_idea_page_escalates_and_the_agency_answers_there(space: Any) -> None:
    demo_load()
    matsudo, agency = signed_in("matsudo-counter"), signed_in("agency")
    idea = idea_post(actor=staff("matsudo-counter"), space=space, title="書かない窓口", problem="問題", proposal="提案")
    page = f"/cocreation/i/{idea.pk}/"
    assert matsudo.post(page, {"action": "escalate"}).status_code == 302
    again = matsudo.post(page, {"action": "escalate"})
    assert again.status_code == 409
    assert "cocreation.request.exists" in again.content.decode()
    assert 'id="answer-form"' not in matsudo.get(page).content.decode()
    assert "書かない窓口" in agency.get("/cocreation/requests/inbox/").content.decode()
    assert matsudo.get("/cocreation/requests/inbox/").status_code == 403
    answered = agency.post(page, {"action": "answer", "status": "considering", "answer": "**検討**します"})
    assert answered.status_code == 302
    html = matsudo.get(page).content.decode()
    assert 'data-status="considering"' in html
    assert "<strong>検討</strong>" in html
    notices = matsudo.get("/cocreation/notifications/").content.decode()
    assert 'data-verb="answered"' in notices
    assert f"/cocreation/i/{idea.pk}/" in notices
    matsudo.post("/cocreation/notifications/", {"action": "read"})
    assert 'data-unread="0"' in matsudo.get("/cocreation/notifications/").content.decode()


def test_the_tracker_is_public_as_json_too(space: Any) -> None:
    idea = idea_post(
        actor=staff("chofu-admin"), space=space, title="電子申請の共通様式", problem="問題", proposal="提案"
    )
    request = request_escalate(actor=staff("chofu-admin"), idea=idea)
    request_answer(actor=staff("agency"), request=request, status="considering", answer="検討します。")
    body = Client().get("/api/v1/cocreation/requests").json()
    assert body["by_status"]["considering"] == 1
    assert body["open_by_age"]["0–29"] == 1
    row = body["requests"][0]
    assert (row["id"], row["municipality"], row["status"]) == (request.pk, "132080", "considering")
    assert row["latest_answer"]["answer"] == "検討します。"


def test_the_digest_command_sends_the_daily_digest(space: Any) -> None:
    User.objects.filter(username="chofu-counter").update(email="chofu@example.jp")
    follow_set(actor=staff("chofu-counter"), kind="space", ref="card", on=True)
    NotificationSetting.objects.create(user=User.objects.get(username="chofu-counter"), digest=Digest.DAILY)
    idea_post(actor=staff("saku-admin"), space=space, title="窓口の案内表示", problem="迷う", proposal="表示を統一")
    out = io.StringIO()
    call_command("cocreation_digest", "--period", "daily", stdout=out)
    assert out.getvalue().startswith("1 e-mails\t1 notifications")
    assert [m.to for m in mail.outbox] == [["chofu@example.jp"]]
