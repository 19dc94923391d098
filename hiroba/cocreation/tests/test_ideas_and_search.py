"""The workshop's foundation: ideas across municipalities, one support per staff member counted by town, comments
with replies and arguments, and Japanese search (trigram index, short-query substring scan, hostile queries), on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hiroba.cocreation.models import Idea, SearchEntry, Space, Stance
from hiroba.cocreation.selectors import comment_threads, ideas_ranked, query_terms, search
from hiroba.cocreation.services import comment_add, idea_post, idea_support, space_create
from hiroba.cocreation.tests.helpers import staff
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import User
from hiroba.identity.tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(demo: Any) -> Space:
    return space_create(actor=staff("agency"), slug="card", name="マイナンバーカードの活用", name_en="Using the card")


def post(username: str, space: Space, title: str, problem: str, proposal: str = "提案の本文") -> Any:
    return idea_post(actor=staff(username), space=space, title=title, problem=problem, proposal=proposal)


def test_supports_count_staff_once_and_rank_by_towns(space: Space) -> None:
    shared = post("saku-admin", space, "窓口の待ち時間を減らす", "カード交付の窓口が混み合う")
    local = post("komoro-admin", space, "庁内の会議室予約", "予約が紙のまま")
    # three staff of one town like `local`; staff of three towns support `shared`
    for name in ("komoro-admin", "komoro-health", "komoro-finance"):
        idea_support(actor=staff(name), idea=local)
    for name in ("saku-health", "miyota-admin", "agency"):
        idea_support(actor=staff(name), idea=shared)
    with pytest.raises(AppError) as twice:
        idea_support(actor=staff("saku-health"), idea=shared)
    assert twice.value.code == "cocreation.support.twice"
    ranked = [(r.idea.pk, r.supporters, r.towns) for r in ideas_ranked(space=space)]
    assert ranked == [(shared.pk, 3, 2), (local.pk, 3, 1)]
    assert AuditRecord.objects.filter(tag="cocreation:idea:supported").count() == 6


def test_comments_reply_once_and_carry_their_stance(space: Space) -> None:
    idea = post("saku-admin", space, "窓口の待ち時間を減らす", "混み合う")
    first = comment_add(actor=staff("komoro-admin"), idea=idea, body="うちもです", stance=Stance.FOR)
    reply = comment_add(actor=staff("saku-admin"), idea=idea, body="詳しく教えてください", reply_to=first)
    with pytest.raises(AppError) as nested:
        comment_add(actor=staff("miyota-admin"), idea=idea, body="返信への返信", reply_to=reply)
    assert nested.value.code == "cocreation.reply"
    (thread,) = comment_threads(idea=idea)
    assert (thread.comment.stance, [r.body for r in thread.replies]) == ("for", ["詳しく教えてください"])


def test_only_staff_take_part_and_texts_are_bounded(space: Space) -> None:
    resident = make_resident("202177")
    assert resident.person is not None
    with pytest.raises(AppError) as outsider:
        idea_post(actor=Actor.for_user(resident.person.user, channel=Channel.WEB), space=space, title="t",
                  problem="p", proposal="p")  # fmt: skip
    assert outsider.value.code == "cocreation.staff_only"
    with pytest.raises(AppError) as empty:
        post("saku-admin", space, "   ", "p")
    assert empty.value.code == "cocreation.title"
    assert not SearchEntry.objects.exists()  # nothing half-written


def test_search_ranks_highlights_and_handles_short_and_hostile_queries(space: Space) -> None:
    post("saku-admin", space, "窓口の待ち時間を減らす", "マイナンバーカードの交付窓口が混み合う。窓口の予約を入れたい")
    post("komoro-admin", space, "カードの暗証番号の再設定", "暗証番号を忘れた人が窓口に来る")
    post("miyota-admin", space, "庁内の会議室予約", "予約が紙のまま")
    # three or more characters: the trigram index; the idea that mentions the words more ranks first
    hits = search(q="暗証番号")
    assert [h.title for h in hits] == [(("カードの", False), ("暗証番号", True), ("の再設定", False))]
    assert ("暗証番号", True) in hits[0].snippet
    # Latin letters match in either case (ILIKE); kana and kanji have none (LIKE)
    post("chofu-admin", space, "Android端末の電子証明書", "スマホ用電子証明書の設定")
    assert [h.title[0] for h in search(q="android 電子証明書")] == [("Android", True)]
    # two terms must both appear
    assert [h.ref for h in search(q="カード　予約")] == [search(q="待ち時間")[0].ref]
    # one or two characters: a substring scan, ranked by occurrences (窓口 three times beats once)
    short = search(q="窓口")
    assert [h.title[0][0] for h in short] == ["窓口", "カードの暗証番号の再設定"]
    # hostile or odd queries are text, never syntax
    for q in ['"', "NEAR(窓口 予約)", "窓口 OR 1=1", "*", "^予約", "a" * 5000, "\x00", "％_\\"]:
        assert isinstance(search(q=q), list)
    assert search(q="   ") == []
    assert query_terms("x" * 500) == ["x" * 100]


def test_search_page_and_api_are_for_staff(space: Space, client: Client) -> None:
    post("saku-admin", space, "窓口の待ち時間を減らす", "<script>alert(1)</script> 窓口が混む")
    client.force_login(User.objects.get(username="komoro-admin"))
    page = client.get("/cocreation/search/", {"q": "窓口"}).content.decode()
    assert "<mark>窓口</mark>の待ち時間" in page
    idea = Idea.objects.get(title="窓口の待ち時間を減らす")
    assert f'<a href="/cocreation/i/{idea.pk}/"><strong><mark>窓口</mark>の待ち時間' in page  # each hit links to it
    assert "<script>alert(1)</script>" not in page
    assert "alert(1)&lt;/script&gt;" in page  # escaped, not run
    api = client.get("/api/v1/cocreation/search", {"q": "待ち時間"}).json()
    assert api[0]["title"][1] == {"text": "待ち時間", "match": True}
    outsider = Client()
    assert outsider.get("/api/v1/cocreation/search", {"q": "窓口"}).status_code == 401
    resident = make_resident("202177")
    assert resident.person is not None
    outsider.force_login(resident.person.user)
    assert outsider.get("/cocreation/search/", {"q": "窓口"}).status_code == 403


def test_control_characters_never_reach_the_database(space: Space) -> None:
    idea = post("saku-admin", space, "窓口\x00の改善", "本文\x07です\n二行目")
    assert (idea.title, idea.problem) == ("窓口の改善", "本文です\n二行目")
    assert [h.ref for h in search(q="窓口\x00の改善")] == [idea.pk]
