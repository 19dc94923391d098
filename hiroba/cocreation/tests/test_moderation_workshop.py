"""Moderation of a workshop's idea cards and of staff profiles: reported by any staff member, hidden or shown again
by the agency with a reason shown in their place; a hidden profile leaves search, the directory and the peers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hiroba.cocreation.models import Hidden, ModerationReport, Notification, SearchEntry, Space
from hiroba.cocreation.models.workshops import IdeaCard, TeamMember, Workshop
from hiroba.cocreation.selectors import search
from hiroba.cocreation.selectors.directory import peers_for
from hiroba.cocreation.services import idea_post, post_hide, post_report, post_show
from hiroba.cocreation.services import workshops as write
from hiroba.cocreation.services.directory import profile_save
from hiroba.cocreation.tests.helpers import refused, signed_in, staff
from hiroba.core.models import AuditRecord
from hiroba.demo import demo_cocreation
from hiroba.identity.models import User

pytestmark = pytest.mark.django_db


def running_workshop(*, people: list[str]) -> Workshop:
    agency = staff("agency")
    workshop = write.workshop_create(
        actor=agency, space=Space.objects.get(slug="card"), title="カード活用ワークショップ",
        date=dt.date(2026, 12, 10), place="デジタル庁 20階", capacity=40,
    )  # fmt: skip
    write.team_create(actor=agency, workshop=workshop, name="チーム1", theme="テーマ1")
    write.workshop_advance(actor=agency, workshop=workshop)
    for name in people:
        write.workshop_register(actor=staff(name), workshop=workshop)
    write.teams_assign(actor=agency, workshop=workshop)
    return write.workshop_advance(actor=agency, workshop=workshop)


def test_a_reported_card_hidden_by_the_agency_shows_the_reason_in_its_place(demo: Any) -> None:
    # given: a card with a private phone number on a running workshop's team
    demo_cocreation()
    workshop = running_workshop(people=["saku-admin", "komoro-admin"])
    team = TeamMember.objects.get(registration__workshop=workshop, registration__user__username="saku-admin").team
    card = write.card_add(actor=staff("saku-admin"), team=team, text="担当の携帯 090-1111-2222 まで")
    team_page = f"/cocreation/workshops/{workshop.pk}/teams/{team.pk}/"
    komoro = signed_in("komoro-admin")
    assert (
        f'name="kind" value="card"><input type="hidden" name="ref" value="{card.pk}"'
        in komoro.get(team_page).content.decode()
    )

    # when: another town's member reports it from the team page
    answer = komoro.post(
        "/cocreation/report/", {"kind": "card", "ref": str(card.pk), "reason": "個人の電話番号", "next": team_page}
    )
    assert answer.status_code == 302
    assert answer["Location"] == team_page
    refused("cocreation.report.twice", post_report, actor=staff("komoro-admin"), kind="card", ref=str(card.pk),
            reason="x")  # fmt: skip
    refused("cocreation.post.unknown", post_report, actor=staff("komoro-admin"), kind="card", ref="999999", reason="x")
    # a municipal staff member cannot hide it
    refused("tenancy.forbidden", post_hide, actor=staff("komoro-admin"), kind="card", ref=str(card.pk), reason="x")
    agency = signed_in("agency")
    queue = agency.get("/cocreation/moderation/").content.decode()
    assert f'href="{team_page}#card-{card.pk}"' in queue

    # when: the agency hides it from the team page
    hidden = agency.post(
        "/cocreation/moderation/",
        {"action": "hide", "kind": "card", "ref": str(card.pk), "reason": "個人情報のため", "next": team_page},
    )
    assert hidden["Location"] == team_page

    # then: the reason stands in its place on the team page and the projector, the text is gone
    page = komoro.get(team_page).content.decode()
    assert "個人情報のため" in page
    assert "090-1111-2222" not in page
    projector = agency.get(f"/cocreation/workshops/{workshop.pk}/facilitator/?screen=cards").content.decode()
    assert "個人情報のため" in projector
    assert "090-1111-2222" not in projector
    assert ModerationReport.objects.get(kind="card").handled_at is not None
    notice = Notification.objects.get(user__username="saku-admin", verb="hidden")
    assert (notice.kind, notice.ref, notice.detail) == ("space", "card", "個人情報のため")
    tags = set(AuditRecord.objects.filter(subject=f"card:{card.pk}").values_list("tag", flat=True))
    assert {"cocreation:post:reported", "cocreation:post:hidden"} <= tags

    # when: shown again, the text is back
    post_show(actor=staff("agency"), kind="card", ref=str(card.pk), reason="本人が公開の番号と確認")
    assert "090-1111-2222" in komoro.get(team_page).content.decode()
    assert "cocreation:post:shown" in set(
        AuditRecord.objects.filter(subject=f"card:{card.pk}").values_list("tag", flat=True)
    )
    assert IdeaCard.objects.filter(pk=card.pk).exists()


def test_a_hidden_profile_leaves_search_the_directory_and_the_peers(demo: Any) -> None:
    # given: a profile for all staff, in search, the directory and "who else is working on this"
    demo_cocreation()
    profile_save(
        actor=staff("komoro-counter"), topics=["窓口"], can_help="宣伝 https://example.com/shop", mentor=False,
        visibility="all", show_name=True,
    )  # fmt: skip
    profile_save(
        actor=staff("komoro-health"), topics=["健康"], can_help="", mentor=False, visibility="town", show_name=True
    )
    me = User.objects.get(username="komoro-counter").public_id
    town_only = User.objects.get(username="komoro-health").public_id
    idea = idea_post(
        actor=staff("saku-admin"), space=Space.objects.get(slug="card"), title="窓口の待ち時間", problem="長い",
        proposal="予約", services=["窓口"],
    )  # fmt: skip
    saitama = signed_in("saitama-admin")
    assert [h.ref for h in search(q="example.com/shop")] == [me]
    assert me in [p.public_id for p in peers_for(actor=staff("saitama-admin"), subject=idea).people]
    profile_page = f"/cocreation/people/{me}/"
    assert (
        f'name="kind" value="profile"><input type="hidden" name="ref" value="{me}"'
        in saitama.get(profile_page).content.decode()
    )

    # when: another town's staff reports it (a profile they may not see does not exist for them)
    post_report(actor=staff("saitama-admin"), kind="profile", ref=me, reason="宣伝です")
    refused("cocreation.profile.unknown", post_report, actor=staff("saitama-admin"), kind="profile", ref=town_only,
            reason="x")  # fmt: skip
    refused("tenancy.forbidden", post_hide, actor=staff("saitama-admin"), kind="profile", ref=me, reason="x")
    agency = signed_in("agency")
    assert f'href="{profile_page}"' in agency.get("/cocreation/moderation/").content.decode()
    post_hide(actor=staff("agency"), kind="profile", ref=me, reason="宣伝のため")

    # then: out of search, the directory and the peers; 404 for other towns; the owner and the agency see the reason
    assert not SearchEntry.objects.filter(kind="profile", ref=me).exists()
    assert search(q="example.com/shop") == []
    assert me not in saitama.get("/cocreation/people/").content.decode()
    assert me not in saitama.get("/cocreation/people/?topic=窓口").content.decode()
    assert me not in [p.public_id for p in peers_for(actor=staff("saitama-admin"), subject=idea).people]
    assert saitama.get(profile_page).status_code == 404
    assert signed_in("komoro-finance").get(profile_page).status_code == 404
    own = signed_in("komoro-counter").get(profile_page)
    assert own.status_code == 200
    assert "宣伝のため" in own.content.decode()
    assert "宣伝のため" in agency.get(profile_page).content.decode()
    notice = Notification.objects.get(user__username="komoro-counter", verb="hidden")
    assert (notice.kind, notice.ref) == ("user", str(User.objects.get(username="komoro-counter").pk))
    # saving it again does not bring it back into search while it is hidden
    profile_save(
        actor=staff("komoro-counter"), topics=["窓口"], can_help="宣伝 https://example.com/shop", mentor=False,
        visibility="all", show_name=True,
    )  # fmt: skip
    assert search(q="example.com/shop") == []

    # when: shown again, it is re-indexed and listed
    post_show(actor=staff("agency"), kind="profile", ref=me, reason="確認の結果、問題なし")
    assert not Hidden.objects.exists()
    assert [h.ref for h in search(q="example.com/shop")] == [me]
    assert me in saitama.get("/cocreation/people/").content.decode()
    assert saitama.get(profile_page).status_code == 200
    tags = set(AuditRecord.objects.filter(subject=f"profile:{me}").values_list("tag", flat=True))
    assert {"cocreation:post:reported", "cocreation:post:hidden", "cocreation:post:shown"} <= tags


def test_showing_a_profile_narrowed_to_its_town_keeps_it_out_of_search(demo: Any) -> None:
    profile_save(
        actor=staff("komoro-counter"), topics=["窓口"], can_help="窓口の予約", mentor=False, visibility="all",
        show_name=True,
    )  # fmt: skip
    me = User.objects.get(username="komoro-counter").public_id
    post_hide(actor=staff("agency"), kind="profile", ref=me, reason="確認中")
    profile_save(
        actor=staff("komoro-counter"), topics=["窓口"], can_help="窓口の予約", mentor=False, visibility="town",
        show_name=True,
    )  # fmt: skip
    post_show(actor=staff("agency"), kind="profile", ref=me, reason="問題なし")
    assert not SearchEntry.objects.filter(kind="profile", ref=me).exists()
