"""The peer directory (仲間づくり): each staff member decides who sees their profile, and every page, list, search
and "who else is working on this" keeps to it — attacked from another town's account."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.cocreation.models import CounterProblem, Idea, SearchEntry
from hiroba.cocreation.models.directory import StaffProfile
from hiroba.cocreation.selectors import search
from hiroba.cocreation.selectors.directory import peers_for
from hiroba.cocreation.services.directory import profile_save
from hiroba.cocreation.tests.helpers import signed_in, staff
from hiroba.core.errors import Invalid
from hiroba.core.models import AuditRecord
from hiroba.demo import demo_cocreation
from hiroba.identity.models import User

pytestmark = pytest.mark.django_db


def public_id(username: str) -> str:
    return User.objects.get(username=username).public_id


def save(username: str, *, visibility: str, topics: tuple[str, ...] = ("窓口",), **options: Any) -> StaffProfile:
    values: dict[str, Any] = {"can_help": "", "mentor": False, "show_name": True} | options
    return profile_save(actor=staff(username), topics=list(topics), visibility=visibility, **values)


def test_the_owner_writes_a_profile_and_search_follows_its_visibility(demo: Any) -> None:
    saku, matsudo = signed_in("saku-counter"), signed_in("matsudo-counter")
    # given: a profile for all staff, with the name shown
    answer = saku.post(
        "/cocreation/people/me/",
        {"topics": "窓口DX、マイナンバーカード\n窓口DX", "can_help": "<b>暗証番号</b>の再設定の流れ", "mentor": "1",
         "visibility": "all", "show_name": "1"},
    )  # fmt: skip
    me = public_id("saku-counter")
    assert answer["Location"] == f"/cocreation/people/{me}/"
    page = matsudo.get(f"/cocreation/people/{me}/").content.decode()
    assert "見本 さくら" in page
    assert "&lt;b&gt;暗証番号&lt;/b&gt;" in page
    assert 'name="kind" value="user"' in page  # the follow button
    profile = StaffProfile.objects.get(user__username="saku-counter")
    assert [t.label for t in profile.topics.all()] == ["窓口DX", "マイナンバーカード"]
    hits = search(q="再設定の流れ")
    assert [(h.kind, h.ref) for h in hits] == [("profile", me)]
    # when: the name is hidden, the index no longer carries it
    save("saku-counter", visibility="all", show_name=False, can_help="暗証番号の再設定の流れ")
    entry = SearchEntry.objects.get(kind="profile", ref=me)
    assert "見本" not in entry.title
    assert "佐久市" in entry.title
    assert "見本 さくら" not in matsudo.get(f"/cocreation/people/{me}/").content.decode()
    # when: only the own town may see it, or nobody, it leaves the index
    save("saku-counter", visibility="town", can_help="暗証番号の再設定の流れ")
    assert not SearchEntry.objects.filter(kind="profile", ref=me).exists()
    assert search(q="再設定の流れ") == []
    save("saku-counter", visibility="all")
    save("saku-counter", visibility="hidden")
    assert not SearchEntry.objects.filter(kind="profile").exists()
    assert AuditRecord.objects.filter(tag="cocreation:profile:saved", subject=f"profile:{me}").count() == 5


def test_hidden_and_own_town_profiles_do_not_exist_for_other_towns(demo: Any) -> None:
    save("komoro-admin", visibility="hidden")
    save("komoro-health", visibility="town")
    save("komoro-counter", visibility="all")
    hidden, town_only, public = (public_id(n) for n in ("komoro-admin", "komoro-health", "komoro-counter"))
    attacker = signed_in("saitama-admin")
    colleague = signed_in("komoro-finance")  # same town as the three
    for path, attacker_sees, colleague_sees in (
        (f"/cocreation/people/{hidden}/", 404, 404),
        (f"/cocreation/people/{town_only}/", 404, 200),
        (f"/cocreation/people/{public}/", 200, 200),
        ("/cocreation/people/u_00000000000000000000/", 404, 404),
    ):
        assert attacker.get(path).status_code == attacker_sees, path
        assert colleague.get(path).status_code == colleague_sees, path
    assert signed_in("komoro-admin").get(f"/cocreation/people/{hidden}/").status_code == 200  # the owner
    assert signed_in("agency").get(f"/cocreation/people/{town_only}/").status_code == 404
    # the directory lists, and filters, only what the viewer may see
    listing = attacker.get("/cocreation/people/?municipality=202088").content.decode()
    assert public in listing
    assert town_only not in listing
    assert hidden not in listing
    assert town_only in colleague.get("/cocreation/people/?topic=窓口").content.decode()
    assert hidden not in colleague.get("/cocreation/people/").content.decode()


def test_the_directory_filters_by_topic_mentor_and_town(demo: Any) -> None:
    save("saku-health", visibility="all", topics=("健康づくり", "地域通貨"), mentor=True)
    save("matsudo-counter", visibility="all", topics=("窓口",))
    save("chofu-admin", visibility="all", topics=("地域通貨",))
    viewer = signed_in("saitama-admin")

    def listed(query: str) -> set[str]:
        page = viewer.get(f"/cocreation/people/{query}").content.decode()
        return {n for n in ("saku-health", "matsudo-counter", "chofu-admin") if public_id(n) in page}

    assert listed("") == {"saku-health", "matsudo-counter", "chofu-admin"}
    assert listed("?topic=地域通貨") == {"saku-health", "chofu-admin"}
    assert listed("?mentor=1") == {"saku-health"}
    assert listed("?municipality=122076") == {"matsudo-counter"}
    assert listed("?municipality=agency") == set()
    topic_page = viewer.get("/cocreation/people/?topic=地域通貨").content.decode()
    assert 'name="kind" value="topic"' in topic_page  # follow the topic


def test_only_the_owner_edits_and_bad_input_is_refused(demo: Any) -> None:
    client = signed_in("saku-admin")
    for form, code in (
        ({"topics": "\n".join(f"t{i}" for i in range(11)), "visibility": "all"}, "cocreation.profile.topics"),
        ({"topics": "x" * 41, "visibility": "all"}, "cocreation.profile.topics"),
        ({"topics": "窓口", "visibility": "everyone"}, "cocreation.profile.visibility"),
        ({"topics": "窓口", "visibility": "all", "can_help": "長" * 1001}, "cocreation.can_help"),
    ):
        answer = client.post("/cocreation/people/me/", form)
        assert answer.status_code == 422
        assert code in answer.content.decode()
    assert not StaffProfile.objects.exists()
    with pytest.raises(Invalid):
        save("saku-admin", visibility="public")
    # the form saves the signed-in person's own profile whatever else it is sent
    client.post("/cocreation/people/me/", {"topics": "窓口", "visibility": "all", "user": "matsudo-admin"})
    assert list(StaffProfile.objects.values_list("user__username", flat=True)) == ["saku-admin"]


def test_who_else_is_working_on_an_idea_or_a_problem(demo: Any) -> None:
    demo_cocreation()
    points = Idea.objects.get(title="健康ポイントを近隣の町で使える地域通貨に")  # by 佐久市; 4 towns support it
    save("saku-health", visibility="all", topics=("健康づくり",))  # the author
    save("komoro-health", visibility="town", topics=("健康づくり",))  # a supporter, seen by Komoro only
    save("matsudo-counter", visibility="all", topics=("地域通貨",))  # the idea's service
    save("chofu-admin", visibility="all", topics=("近隣の町",), show_name=False)  # in the title
    save("saitama-health", visibility="hidden", topics=("地域通貨",))
    # from 調布市: the four other supporting towns and the author's; people only through visible profiles
    peers = peers_for(actor=staff("chofu-counter"), subject=points)
    assert {t.municipality.lg_code: t.reasons for t in peers.towns} == {
        "202177": ("author",), "202088": ("supporter",), "203238": ("supporter",), "203246": ("supporter",),
        "111007": ("supporter",),
    }  # fmt: skip
    assert {(p.public_id, p.reasons) for p in peers.people} == {
        (public_id("saku-health"), ("author", "topic")),
        (public_id("matsudo-counter"), ("topic",)),
    }  # 調布市's own colleague is not "someone else in another town"; hidden and town-only profiles stay out
    # from 小諸市: its own town is left out, 調布市's profile matches the title, and the name stays hidden
    peers = peers_for(actor=staff("komoro-admin"), subject=points)
    assert "202088" not in {t.municipality.lg_code for t in peers.towns}
    chofu = next(p for p in peers.people if p.public_id == public_id("chofu-admin"))
    assert (chofu.name, chofu.reasons) == (None, ("topic",))
    # the idea page shows it
    page = signed_in("chofu-counter").get(f"/cocreation/i/{points.pk}/").content.decode()
    assert f'data-peer="{public_id("saku-health")}"' in page
    assert f'data-peer="{public_id("komoro-health")}"' not in page
    assert 'data-peer-town="111007"' in page
    # a counter problem: the towns that said 「うちもです」 and the people of its linked idea
    problem = CounterProblem.objects.get(summary="スマートフォンを持たない方がポイントを使えない")
    save("komoro-counter", visibility="all", topics=("代理人",))
    peers = peers_for(actor=staff("matsudo-admin"), subject=problem)
    assert {t.municipality.lg_code for t in peers.towns} == {"202177", "202088"}
    assert {p.public_id for p in peers.people} == {public_id("komoro-counter")}
    assert set(next(p for p in peers.people).reasons) == {"author", "same_here"}
    page = signed_in("matsudo-admin").get(f"/cocreation/problems/{problem.pk}/").content.decode()
    assert f'data-peer="{public_id("komoro-counter")}"' in page


def test_the_team_an_idea_came_from_is_working_on_it(demo: Any) -> None:
    from hiroba.cocreation.demo_workshop import demo_workshop
    from hiroba.cocreation.models.workshops import TeamMember

    demo_cocreation()
    demo_workshop()  # also writes profiles: saku-health and matsudo-counter for all staff, komoro-counter nameless
    member = TeamMember.objects.select_related("team__idea", "registration__user").get(
        registration__user__username="saku-health"
    )
    idea = member.team.idea
    assert idea is not None
    peers = peers_for(actor=staff("chofu-finance"), subject=idea)
    mine = next(p for p in peers.people if p.public_id == public_id("saku-health"))
    assert "workshop" in mine.reasons
    team_towns = set(member.team.members.values_list("registration__municipality_id", flat=True)) - {"132080"}
    assert team_towns <= {t.municipality.lg_code for t in peers.towns}
