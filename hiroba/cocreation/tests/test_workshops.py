"""Workshops: an organiser sets one up, staff of several towns register (never beyond capacity, on PostgreSQL with
real threads too), teams mix municipalities, members write idea cards, the facilitator view runs the presentations
and publishing turns every team's outcome into an idea of the space."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from hiroba.cocreation.demo_workshop import demo_workshop
from hiroba.cocreation.events import CocreationEvent
from hiroba.cocreation.models import Idea, Space
from hiroba.cocreation.models.workshops import IdeaCard, Registration, Team, TeamMember, Workshop, WorkshopStatus
from hiroba.cocreation.services import workshops as write
from hiroba.cocreation.tests.helpers import signed_in, staff
from hiroba.core.errors import Conflict, Invalid, PermissionDenied
from hiroba.core.models import AuditRecord
from hiroba.core.tests.race import race
from hiroba.demo import demo_cocreation
from hiroba.identity.models import User
from hiroba.identity.tests.factories import make_resident

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 10)


def running_workshop(*, people: list[str], teams: int = 2, capacity: int = 40) -> Workshop:
    """A workshop of the agency in the space `card`, with `teams` teams, `people` registered and assigned, running."""
    agency = staff("agency")
    workshop = write.workshop_create(
        actor=agency, space=Space.objects.get(slug="card"), title="カード活用ワークショップ", date=DAY,
        place="デジタル庁 20階", capacity=capacity,
    )  # fmt: skip
    for i in range(teams):
        write.team_create(actor=agency, workshop=workshop, name=f"チーム{i + 1}", theme=f"テーマ{i + 1}")
    write.workshop_advance(actor=agency, workshop=workshop)
    for name in people:
        write.workshop_register(actor=staff(name), workshop=workshop)
    write.teams_assign(actor=agency, workshop=workshop)
    return write.workshop_advance(actor=agency, workshop=workshop)


def team_of(workshop: Workshop, username: str) -> Team:
    return TeamMember.objects.get(registration__workshop=workshop, registration__user__username=username).team


def test_a_workshop_with_two_teams_captures_idea_cards_and_publishes_them(demo: Any) -> None:  # noqa: PLR0915 (one journey)
    demo_cocreation()
    agency, saku, matsudo, chofu, komoro = (
        signed_in(n) for n in ("agency", "saku-admin", "matsudo-counter", "chofu-admin", "komoro-admin")
    )
    # the agency organises a draft; nobody else sees a draft
    created = agency.post(
        "/cocreation/workshops/",
        {"space": "card", "title": "マイナンバーカード活用ワークショップ", "date": "2026-12-10",
         "place": "デジタル庁", "capacity": "40", "minutes_per_team": "5", "agenda": "13:00 開会"},
    )  # fmt: skip
    workshop = Workshop.objects.get()
    assert created["Location"] == f"/cocreation/workshops/{workshop.pk}/manage/"
    assert saku.get(f"/cocreation/workshops/{workshop.pk}/").status_code == 404
    assert "マイナンバーカード活用ワークショップ" not in saku.get("/cocreation/workshops/").content.decode()
    manage = f"/cocreation/workshops/{workshop.pk}/manage/"
    agency.post(manage, {"action": "team", "name": "A", "theme": "健康ポイントを地域通貨に"})
    agency.post(manage, {"action": "team", "name": "B", "theme": "デジタルが苦手な方を取り残さない"})
    agency.post(manage, {"action": "advance"})
    # staff of four towns register on the workshop's page
    page = f"/cocreation/workshops/{workshop.pk}/"
    for client in (saku, matsudo, chofu, komoro):
        assert client.post(page, {"action": "register"}).status_code == 302
    assert 'data-registered="4"' in saku.get(page).content.decode()
    # only the organiser manages
    assert saku.get(manage).status_code == 403
    assert saku.post(manage, {"action": "assign"}).status_code == 403
    agency.post(manage, {"action": "assign"})
    teams = list(Team.objects.filter(workshop=workshop).order_by("order"))
    assert [t.members.count() for t in teams] == [2, 2]
    for team in teams:  # one town per person in each team
        towns = [m.registration.municipality_id for m in team.members.all()]
        assert len(set(towns)) == len(towns)
    agency.post(manage, {"action": "advance"})
    assert Workshop.objects.get().status == WorkshopStatus.RUNNING
    # members write idea cards in their team page; another team's member is refused and writes nothing
    mine = team_of(workshop, "saku-admin")
    other = next(t for t in teams if t.pk != mine.pk)
    outsider = next(n for n in ("matsudo-counter", "chofu-admin", "komoro-admin") if team_of(workshop, n) == other)
    team_page = f"/cocreation/workshops/{workshop.pk}/teams/{mine.pk}/"
    assert saku.post(team_page, {"action": "card", "text": "<script>歩数で</script>ポイント"}).status_code == 302
    refused = signed_in(outsider).post(team_page, {"action": "card", "text": "割り込み"})
    assert refused.status_code == 403
    assert "cocreation.workshop.team_only" in refused.content.decode()
    signed_in(outsider).post(
        f"/cocreation/workshops/{workshop.pk}/teams/{other.pk}/", {"action": "card", "text": "窓口で"}
    )
    assert IdeaCard.objects.count() == 2
    shown = saku.get(team_page).content.decode()
    assert "&lt;script&gt;歩数で&lt;/script&gt;ポイント" in shown
    # the facilitator view shows the live cards and steps through the presentations in order
    facilitator = f"/cocreation/workshops/{workshop.pk}/facilitator/"
    board = agency.get(f"{facilitator}?screen=cards").content.decode()
    assert "&lt;script&gt;歩数で&lt;/script&gt;ポイント" in board
    assert "窓口で" in board
    assert '<meta http-equiv="refresh"' in board
    assert saku.get(facilitator).status_code == 403
    agency.post(facilitator, {"action": "next"})
    assert 'id="presenter" data-team="A"' in agency.get(f"{facilitator}?screen=present").content.decode()
    agency.post(facilitator, {"action": "next"})
    assert 'id="presenter" data-team="B"' in agency.get(f"{facilitator}?screen=present").content.decode()
    # publishing waits for every outcome
    refused = agency.post(manage, {"action": "publish"})
    assert refused.status_code == 409
    assert "cocreation.workshop.outcome_missing" in refused.content.decode()
    for team in teams:
        member = signed_in(team.members.first().registration.user.username)  # type: ignore[union-attr]
        member.post(
            f"/cocreation/workshops/{workshop.pk}/teams/{team.pk}/",
            {"action": "outcome", "title": f"{team.theme}の提案", "problem": "困りごと", "proposal": "提案",
             "services": "窓口、地域通貨"},
        )  # fmt: skip
    published = agency.post(manage, {"action": "publish"})
    assert published["Location"] == f"/cocreation/workshops/{workshop.pk}/outcomes/"
    # each outcome is an idea of the space, linked both ways, and the workshop is closed for writing
    ideas = [Team.objects.get(pk=t.pk).idea for t in teams]
    assert [i.title for i in ideas if i] == ["健康ポイントを地域通貨にの提案", "デジタルが苦手な方を取り残さないの提案"]
    assert all(i is not None and i.space.slug == "card" and i.services == ["窓口", "地域通貨"] for i in ideas)
    space_page = saku.get("/cocreation/s/card/").content.decode()
    assert "健康ポイントを地域通貨にの提案" in space_page
    idea_page = saku.get(f"/cocreation/i/{ideas[0].pk}/").content.decode()  # type: ignore[union-attr]
    assert 'id="from-workshop"' in idea_page
    assert "マイナンバーカード活用ワークショップ" in idea_page
    outcomes = saku.get(published["Location"]).content.decode()
    assert all(f"/cocreation/i/{i.pk}/" in outcomes for i in ideas if i)
    assert saku.post(team_page, {"action": "card", "text": "あとから"}).status_code == 409
    tags = set(AuditRecord.objects.filter(subject=f"workshop:{workshop.pk}").values_list("tag", flat=True))
    assert {
        CocreationEvent.WORKSHOP_CREATED, CocreationEvent.WORKSHOP_REGISTERED, CocreationEvent.WORKSHOP_TEAMS_ASSIGNED,
        CocreationEvent.WORKSHOP_CARD_ADDED, CocreationEvent.WORKSHOP_PRESENTER, CocreationEvent.WORKSHOP_PUBLISHED,
    } <= tags  # fmt: skip


def test_registration_is_once_per_person_within_capacity_and_only_while_open(demo: Any) -> None:
    demo_cocreation()
    agency = staff("agency")
    workshop = write.workshop_create(
        actor=agency, space=Space.objects.get(slug="card"), title="少人数", date=DAY, place="オンライン", capacity=2
    )
    with pytest.raises(Conflict) as not_open:
        write.workshop_register(actor=staff("saku-admin"), workshop=workshop)
    assert not_open.value.code == "cocreation.workshop.status"
    write.workshop_advance(actor=agency, workshop=workshop)
    write.workshop_register(actor=staff("saku-admin"), workshop=workshop)
    with pytest.raises(Conflict) as twice:
        write.workshop_register(actor=staff("saku-admin"), workshop=workshop)
    assert twice.value.code == "cocreation.workshop.registered_twice"
    write.workshop_register(actor=staff("agency"), workshop=workshop)  # the agency's staff take part too
    with pytest.raises(Conflict) as full:
        write.workshop_register(actor=staff("chofu-admin"), workshop=workshop)
    assert full.value.code == "cocreation.workshop.full"
    assert Workshop.objects.get().registered == 2
    # a seat given back can be taken again
    write.workshop_unregister(actor=staff("saku-admin"), workshop=workshop)
    write.workshop_register(actor=staff("chofu-admin"), workshop=workshop)
    assert sorted(Registration.objects.values_list("user__username", flat=True)) == ["agency", "chofu-admin"]
    assert Workshop.objects.get().registered == 2


def test_residents_and_strangers_are_kept_out(demo: Any) -> None:
    demo_cocreation()
    workshop = running_workshop(people=["saku-admin", "komoro-admin"])
    resident = make_resident("202177")
    assert resident.person is not None
    client = Client()
    client.force_login(resident.person.user)
    team = Team.objects.filter(workshop=workshop).first()
    assert team is not None
    for path in (
        "/cocreation/workshops/",
        f"/cocreation/workshops/{workshop.pk}/",
        f"/cocreation/workshops/{workshop.pk}/teams/{team.pk}/",
        f"/cocreation/workshops/{workshop.pk}/facilitator/",
        "/cocreation/people/",
    ):
        assert client.get(path).status_code == 403
        assert Client().get(path).status_code == 403
    assert signed_in("saku-admin").get("/cocreation/workshops/ws_0000000000000000/").status_code == 404
    assert signed_in("saku-admin").get(f"/cocreation/workshops/{workshop.pk}/teams/999999/").status_code == 404


def test_the_organiser_moves_people_orders_teams_and_steps_through_presentations(demo: Any) -> None:
    demo_cocreation()
    workshop = running_workshop(people=["saku-admin", "komoro-admin", "matsudo-admin"], teams=3)
    agency = staff("agency")
    first, second, third = Team.objects.filter(workshop=workshop).order_by("order")
    # moved by hand
    saku = Registration.objects.get(workshop=workshop, user__username="saku-admin")
    write.team_member_move(actor=agency, workshop=workshop, registration=saku, team=third)
    assert team_of(workshop, "saku-admin") == third
    with pytest.raises(PermissionDenied):
        write.team_member_move(actor=staff("saku-admin"), workshop=workshop, registration=saku, team=first)
    other = write.workshop_create(
        actor=agency, space=Space.objects.get(slug="card"), title="別の会", date=DAY, place="オンライン", capacity=5
    )
    stranger = write.team_create(actor=agency, workshop=other, name="X", theme="別")
    with pytest.raises(Invalid):
        write.team_member_move(actor=agency, workshop=workshop, registration=saku, team=stranger)
    # the presentation order: third, first, second
    write.teams_order(actor=agency, workshop=workshop, team_ids=[third.pk, first.pk, second.pk])
    assert list(Team.objects.filter(workshop=workshop).order_by("order").values_list("pk", flat=True)) == [
        third.pk, first.pk, second.pk,
    ]  # fmt: skip
    with pytest.raises(Invalid):
        write.teams_order(actor=agency, workshop=workshop, team_ids=[third.pk, first.pk])
    # next, next, restart, previous, past the end, back to the last
    presenters = []
    for step in (1, 1, 0, -1, 1, 1, 1, -1):
        presenters.append(write.presentation_step(actor=agency, workshop=workshop, step=step).presenting_id)
    assert presenters == [third.pk, first.pk, first.pk, third.pk, first.pk, second.pk, None, second.pk]
    # the facilitator view's timer counts the current presenter's minutes
    page = signed_in("agency").get(f"/cocreation/workshops/{workshop.pk}/facilitator/?screen=present").content
    assert b'data-timer data-remaining="' in page
    assert b'aria-current="step"' in page


def test_a_team_with_no_outcome_holds_publishing_back_and_nothing_is_written(demo: Any) -> None:
    demo_cocreation()
    workshop = running_workshop(people=["saku-admin", "komoro-admin"])
    first, _second = Team.objects.filter(workshop=workshop).order_by("order")
    member = first.members.get().registration.user.username
    write.team_outcome_write(actor=staff(member), team=first, title="案", problem="課題", proposal="提案")
    ideas_before = Idea.objects.count()
    with pytest.raises(Conflict) as missing:
        write.workshop_publish(actor=staff("agency"), workshop=workshop)
    assert missing.value.detail == {"teams": ["チーム2"]}
    assert Idea.objects.count() == ideas_before
    assert Workshop.objects.get().status == WorkshopStatus.RUNNING
    with pytest.raises(PermissionDenied):
        write.workshop_publish(actor=staff(member), workshop=workshop)


def test_bad_input_is_refused_with_a_reason(demo: Any) -> None:
    demo_cocreation()
    agency = signed_in("agency")
    base = {"space": "card", "title": "会", "date": "2026-12-10", "place": "庁舎", "capacity": "40"}
    for change, code in (
        ({"date": "来週"}, "cocreation.workshop.date"),
        ({"capacity": "0"}, "cocreation.workshop.capacity"),
        ({"capacity": "many"}, "cocreation.workshop.capacity"),
        ({"title": "\x00 "}, "cocreation.title"),
        ({"space": "nowhere"}, "cocreation.space.unknown"),
    ):
        answer = agency.post("/cocreation/workshops/", {**base, **change})
        assert answer.status_code in {404, 422}
        assert code in answer.content.decode()
    assert not Workshop.objects.exists()


def test_the_demo_workshop_publishes_six_ideas_once(demo: Any) -> None:
    demo_cocreation()
    demo_workshop()
    workshop = Workshop.objects.get()
    assert workshop.status == WorkshopStatus.PUBLISHED
    teams = list(Team.objects.filter(workshop=workshop).order_by("order"))
    assert len(teams) == 6
    assert all(t.idea is not None and t.cards.count() >= 2 for t in teams)
    for team in teams:  # every team mixes towns
        towns = [m.registration.municipality_id for m in team.members.all()]
        assert len(set(towns)) >= 3
    ideas = Idea.objects.count()
    demo_workshop()  # again: nothing changes
    assert (Workshop.objects.count(), Idea.objects.count()) == (1, ideas)


# ------------------------------------------------------------------------------------------ PostgreSQL races


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_registrations_beyond_capacity_at_the_same_moment_are_refused(demo: Any) -> None:
    demo_cocreation()
    agency = staff("agency")
    workshop = write.workshop_create(
        actor=agency, space=Space.objects.get(slug="card"), title="人気の会", date=DAY, place="庁舎", capacity=3
    )
    write.workshop_advance(actor=agency, workshop=workshop)
    people = [f"{town}-{role}" for town in ("saku", "komoro", "matsudo", "chofu") for role in ("admin", "health")]
    actors = [staff(name) for name in people]
    results = race(lambda i: write.workshop_register(actor=actors[i], workshop=workshop), n=len(actors))
    taken = [r for r in results if isinstance(r, Registration)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(taken) == 3
    assert len(refused) == len(actors) - 3
    assert {r.code for r in refused} == {"cocreation.workshop.full"}
    assert Registration.objects.filter(workshop=workshop).count() == 3
    assert Workshop.objects.get(pk=workshop.pk).registered == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_person_registering_twice_at_once_takes_one_seat(demo: Any) -> None:
    demo_cocreation()
    agency = staff("agency")
    workshop = write.workshop_create(
        actor=agency, space=Space.objects.get(slug="card"), title="二度押し", date=DAY, place="庁舎", capacity=10
    )
    write.workshop_advance(actor=agency, workshop=workshop)
    saku = staff("saku-admin")
    results = race(lambda _: write.workshop_register(actor=saku, workshop=workshop), n=6)
    assert sum(isinstance(r, Registration) for r in results) == 1
    assert {r.code for r in results if isinstance(r, Conflict)} == {"cocreation.workshop.registered_twice"}
    assert Workshop.objects.get(pk=workshop.pk).registered == 1


def test_members_names_are_for_the_people_in_the_room(demo: Any) -> None:
    demo_cocreation()
    workshop = running_workshop(people=["saku-admin", "komoro-admin"])
    team = team_of(workshop, "saku-admin")
    path = f"/cocreation/workshops/{workshop.pk}/teams/{team.pk}/"
    assert "見本 一郎" in signed_in("komoro-admin").get(path).content.decode()  # a registrant
    assert "見本 一郎" in signed_in("agency").get(path).content.decode()  # the organiser
    outsider = signed_in("chofu-admin").get(path).content.decode()
    assert "見本 一郎" not in outsider
    assert "佐久市" in outsider  # the towns of the team are no secret


def test_a_team_holds_a_bounded_number_of_cards(demo: Any) -> None:
    demo_cocreation()
    workshop = running_workshop(people=["saku-admin", "komoro-admin"])
    team = team_of(workshop, "saku-admin")
    author = User.objects.get(username="saku-admin")
    IdeaCard.objects.bulk_create(
        [IdeaCard(team=team, author=author, text=f"{i}") for i in range(write.MAX_CARDS_PER_TEAM)]
    )
    with pytest.raises(Conflict) as full:
        write.card_add(actor=staff("saku-admin"), team=team, text="もう一枚")
    assert full.value.code == "cocreation.workshop.too_many_cards"
    with pytest.raises(Invalid):
        write.card_add(actor=staff("komoro-admin"), team=team_of(workshop, "komoro-admin"), text="長" * 301)
