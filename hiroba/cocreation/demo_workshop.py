"""The demo's workshop: the day that started Hiroba — staff of the seven demo towns at the Digital Agency, six teams of
mixed towns, a theme each, idea cards written during the session, the presentations in order, and the outcomes
published as ideas of the space `card` (the agency's answers to them are added by the requests demo). A few staff
also fill in their directory profiles. Services only; loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from hiroba.core.audit import Actor
from hiroba.core.models import Channel
from hiroba.identity.models import User

TITLE = "マイナンバーカード利活用ワークショップ"
DAY = dt.date(2026, 2, 5)
TOWNS = ["saku", "komoro", "miyota", "tateshina", "saitama", "matsudo", "chofu"]
ROLES = ["admin", "health", "counter", "finance"]

# (team, theme, idea cards, outcome: title, problem, proposal, services)
TEAMS = [
    (
        "チーム1",
        "健康ポイントを地域通貨に換えるアプリ",
        ["健診を受けたらポイント", "毎日の歩数でもポイント", "隣の町の店でも使えると続く"],
        "健診と歩数でたまるポイントを、近隣の町で使える地域通貨に",
        "健康ポイントを始めても、使い道が町内の数店だけでは住民が続けてくれない。",
        (
            "マイナンバーカードで本人確認したアプリで、健診や歩数に応じてポイントを付け、近隣の市町村で共通の"
            "地域通貨に換えて使えるようにする。"
        ),
        ["健康づくり", "地域通貨"],
    ),
    (
        "チーム2",
        "マイナンバーカードでオンライン投票",
        ["住民投票をスマホで", "なりすましを防ぐ", "集計を検証できるように"],
        "マイナンバーカードで本人確認する住民投票・参加型予算",
        "住民投票やアンケートは紙が中心で、若い世代の参加が少なく、集計にも手間がかかる。",
        "カードで本人確認したうえで、誰が何に投票したかは分からず、結果は誰でも検証できるオンライン投票を導入する。",
        ["選挙・住民投票"],
    ),
    (
        "チーム3",
        "マイナンバーカードをスマートフォンに",
        ["カードを持ち歩かなくてよい", "スマホ用電子証明書の案内", "機種変更のときの手続き"],
        "スマートフォン用電子証明書で窓口に来なくても済む手続きを増やす",
        "カードを持ち歩かない住民が多く、オンライン手続きの途中でやめてしまう。",
        "スマートフォン用電子証明書に対応した手続きを増やし、窓口での設定支援と機種変更時の案内をまとめる。",
        ["マイナンバーカード", "窓口"],
    ),
    (
        "チーム4",
        "職員向けの教育ツール",
        ["暗証番号のロックの説明が難しい", "窓口での場面ごとのクイズ", "新人研修で使いたい"],
        "カードでできることを職員が学べる教材と模擬体験",
        "カードの機能や暗証番号のルールを説明できる職員が限られ、窓口で住民を待たせてしまう。",
        "窓口の場面ごとのクイズと、本物のデータに触れずに手続きを試せる模擬環境を、自治体共通の教材として用意する。",
        ["職員研修", "マイナンバーカード"],
    ),
    (
        "チーム5",
        "近隣の市町村を巻き込む",
        ["一つの町だけでは広がらない", "費用を分け合う", "隣町と同じ仕組みに"],
        "近隣の市町村で一つの仕組みを共同で使う",
        "小さな町が単独でサービスを作っても、利用者も加盟店も集まらず、費用も負担できない。",
        "近隣の市町村で同じ基盤を共同利用し、データは自治体ごとに分けたまま、費用と運用を分け合う。",
        ["地域通貨", "共同利用"],
    ),
    (
        "チーム6",
        "デジタルが苦手な住民を取り残さない",
        ["スマホを持たない高齢の方", "窓口で一緒に操作", "家族が代わりに手続き"],
        "デジタルが苦手な住民を窓口と代理人で支える",
        "スマートフォンを持たない方やデジタルが苦手な方が、新しいサービスを使えずに取り残されている。",
        "窓口で本人のカードを使って職員が一緒に操作できる仕組みと、家族などの代理人、紙のカードでの支払いを用意する。",
        ["窓口", "代理人"],
    ),
]

# (user name, topics, what they can help with, mentor, visibility, show name)
# fmt: off
PROFILES = [
    ("saku-health", ["健康づくり", "地域通貨"], "健康ポイント事業の立ち上げと、商店への説明の経験があります。", True,
     "all", True),
    ("matsudo-counter", ["窓口", "マイナンバーカード"], "転入・転出の窓口で、暗証番号の相談に毎日対応しています。",
     False, "all", True),
    ("komoro-counter", ["窓口", "代理人"], "高齢の方の手続きを窓口で支援しています。", True, "all", False),
    ("chofu-admin", ["共同利用", "職員研修"], "庁内研修の企画をしています。", False, "town", True),
    ("saitama-health", ["健康づくり"], "", False, "hidden", True),
]
# fmt: on


def demo_workshop() -> None:
    """Create and publish the demo workshop (does nothing when it exists, or before `demo_cocreation`)."""
    from hiroba.cocreation.models import Space
    from hiroba.cocreation.models.workshops import TeamMember, Workshop
    from hiroba.cocreation.services import directory, workshops

    space = Space.objects.filter(slug="card").first()
    if space is None or Workshop.objects.filter(title=TITLE).exists():
        return

    def staff(username: str) -> Actor:
        return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)

    agency = staff("agency")
    workshop = workshops.workshop_create(
        actor=agency,
        space=space,
        title=TITLE,
        date=DAY,
        place="デジタル庁（東京都千代田区）",
        capacity=40,
        minutes_per_team=5,
        agenda="13:00 開会・趣旨説明\n13:15 チームごとの話し合い（アイデアカード）\n15:00 発表（各チーム5分）\n"
        "16:00 デジタル庁からのコメント・閉会",
    )
    for name, theme, *_ in TEAMS:
        workshops.team_create(actor=agency, workshop=workshop, name=name, theme=theme)
    workshops.workshop_advance(actor=agency, workshop=workshop)
    for role in ROLES:
        for town in TOWNS:
            workshops.workshop_register(actor=staff(f"{town}-{role}"), workshop=workshop)
    teams = list(workshop.teams.order_by("order"))
    workshops.teams_assign(actor=agency, workshop=workshop)
    workshops.workshop_advance(actor=agency, workshop=workshop)
    for team, (_, _, cards, title, problem, proposal, services) in zip(teams, TEAMS, strict=True):
        members = [m.registration.user.username for m in TeamMember.objects.filter(team=team).order_by("pk")]
        for i, text in enumerate(cards):
            workshops.card_add(actor=staff(members[i % len(members)]), team=team, text=text)
        workshops.team_outcome_write(
            actor=staff(members[0]), team=team, title=title, problem=problem, proposal=proposal, services=services
        )
    for _ in teams:
        workshops.presentation_step(actor=agency, workshop=workshop, step=1)
    workshops.workshop_publish(actor=agency, workshop=workshop)

    for username, topics, can_help, mentor, visibility, show_name in PROFILES:
        directory.profile_save(
            actor=staff(username), topics=topics, can_help=can_help, mentor=mentor, visibility=visibility,
            show_name=show_name,
        )  # fmt: skip
