"""Demo data with real local government codes and clearly fictional people. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hiroba.core.audit import Actor
from hiroba.core.fiscal import fiscal_year
from hiroba.identity.selectors import user_exists
from hiroba.tenancy import services
from hiroba.tenancy.models import CurrencyArea, Municipality, Role

DEMO_PASSWORD = "hiroba-demo-2026"  # noqa: S105 (printed on purpose: demo accounts on 127.0.0.1 only)

# (lg_code, name, kana, English, user-name prefix)
MUNICIPALITIES = [
    ("202177", "佐久市", "さくし", "Saku City", "saku"),
    ("202088", "小諸市", "こもろし", "Komoro City", "komoro"),
    ("203238", "御代田町", "みよたまち", "Miyota Town", "miyota"),
    ("203246", "立科町", "たてしなまち", "Tateshina Town", "tateshina"),
    ("111007", "さいたま市", "さいたまし", "Saitama City", "saitama"),
    ("122076", "松戸市", "まつどし", "Matsudo City", "matsudo"),
    ("132080", "調布市", "ちょうふし", "Chofu City", "chofu"),
]
SAKU_AREA = ("saku", "佐久地域", "Saku Region", "佐久地域コイン(見本)", ["202177", "202088", "203238", "203246"])

# Every demo person's family name is 見本 (mihon, "sample"): nobody can mistake them for a real resident.
STAFF = [
    ("admin", "見本 一郎", "みほん いちろう", [Role.ADMIN], "総務課"),
    ("health", "見本 花子", "みほん はなこ", [Role.HEALTH], "健康づくり課"),
    ("finance", "見本 次郎", "みほん じろう", [Role.FINANCE], "会計課"),
    ("counter", "見本 さくら", "みほん さくら", [Role.COUNTER, Role.ELECTION], "市民課"),
    ("credentials", "見本 証子", "みほん しょうこ", [Role.CREDENTIALS], "選挙管理委員会事務局"),
]
AGENCY_STAFF = ("agency", "見本 庁子", "みほん ちょうこ", "デジタル庁 地方業務システム基盤チーム")

FISCAL_YEAR_START = dt.date(2026, 4, 1)


def _staff(username: str, *, name: str, kana: str, lg_code: str | None, department: str, roles: list[Role]) -> None:
    if user_exists(username=username):
        return
    actor = Actor.command_line()
    staff = services.staff_register(
        username=username, password=DEMO_PASSWORD, full_name=name, full_name_kana=kana, email="",
        lg_code=lg_code, department=department, actor=actor,
    )  # fmt: skip
    for role in roles:
        services.role_grant(
            staff_id=staff.pk, lg_code=lg_code, role=role, starts_on=FISCAL_YEAR_START, ends_on=None, actor=actor
        )


def demo_load() -> list[tuple[str, str]]:
    """Create what is missing and return the demo log-ins as (user name, what it is)."""
    actor = Actor.command_line()
    username, name, kana, department = AGENCY_STAFF
    _staff(username, name=name, kana=kana, lg_code=None, department=department, roles=[Role.AGENCY])
    logins = [(username, "Digital Agency (registers municipalities and areas)")]

    for code, m_name, m_kana, m_en, prefix in MUNICIPALITIES:
        if not Municipality.objects.filter(lg_code=code).exists():
            services.municipality_register(lg_code=code, name=m_name, name_kana=m_kana, name_en=m_en, actor=actor)
        for suffix, s_name, s_kana, roles, dept in STAFF:
            _staff(f"{prefix}-{suffix}", name=s_name, kana=s_kana, lg_code=code, department=dept, roles=roles)
        logins.append((f"{prefix}-admin", f"{m_name} {m_en} admin"))

    slug, a_name, a_en, currency, members = SAKU_AREA
    if not CurrencyArea.objects.filter(slug=slug).exists():
        services.area_create(slug=slug, name=a_name, name_en=a_en, currency_name=currency, actor=actor)
    for code in members:
        services.area_add_municipality(slug=slug, lg_code=code, actor=actor)
    return logins


# Demo residents for the test rig: one virtual card each (PIN 1234, signing password ABC123), not yet enrolled, so
# that the demo shows enrollment with consent; the smartphone one shows the phone certificate path.
DEMO_RESIDENTS = [
    ("見本 住子", dt.date(1987, 6, 15), "長野県佐久市中込3056", False),
    ("見本 町男", dt.date(1952, 11, 3), "長野県小諸市相生町3-3-3", False),
    ("見本 若葉", dt.date(2001, 2, 28), "長野県北佐久郡御代田町大字馬瀬口1794-6", True),
    ("見本 玉代", dt.date(1975, 8, 8), "埼玉県さいたま市浦和区常盤6-4-4", False),
]


def demo_rig() -> list[tuple[str, str]]:
    """The test rig for the demo: the local CA (with a fresh CRL) and one virtual card per demo resident."""
    from hiroba.identity.testrig import CardSpec, test_ca_make, virtual_card_make, virtual_cards

    test_ca_make(replace=False)
    if not virtual_cards():
        for name, birth, address, phone in DEMO_RESIDENTS:
            virtual_card_make(CardSpec(name=name, birth_date=birth, address=address, smartphone=phone))
    _enroll_demo_residents()
    return [(path.name, path.parent.as_posix()) for path in virtual_cards()]


# Residents already enrolled with their virtual cards, two in each town of the Saku area, with a month of history.
ENROLLED_RESIDENTS = [
    ("見本 一歩", dt.date(1948, 4, 2), "長野県佐久市岩村田1001"),
    ("見本 歩美", dt.date(1991, 9, 18), "長野県佐久市中込2020"),
    ("見本 健太", dt.date(1969, 1, 30), "長野県小諸市与良町2-2-2"),
    ("見本 早苗", dt.date(1983, 7, 7), "長野県小諸市相生町1-1-1"),
    ("見本 登", dt.date(1957, 3, 3), "長野県北佐久郡御代田町大字御代田2464-2"),
    ("見本 和子", dt.date(1962, 12, 12), "長野県北佐久郡御代田町大字馬瀬口1555"),
    ("見本 進", dt.date(1975, 5, 5), "長野県北佐久郡立科町大字芦田2532"),
    ("見本 愛", dt.date(2000, 10, 10), "長野県北佐久郡立科町大字山部1"),
]
# (town, shop name, romanised name, MCC, owner's e-mail) — two shops per town of the Saku area.
SHOPS = [
    ("202177", "見本ベーカリー 岩村田店", "MIHON BAKERY", "5462", "bakery@shops.hiroba.example"),
    ("202177", "見本青果店", "MIHON GREENGROCER", "5411", "greengrocer@shops.hiroba.example"),
    ("202088", "見本そば 小諸", "MIHON SOBA", "5812", "soba@shops.hiroba.example"),
    ("202088", "見本書店", "MIHON BOOKS", "5942", "books@shops.hiroba.example"),
    ("203238", "見本カフェ 御代田", "MIHON CAFE", "5814", "cafe@shops.hiroba.example"),
    ("203238", "見本ドラッグ", "MIHON DRUG", "5912", "drug@shops.hiroba.example"),
    ("203246", "見本温泉売店", "MIHON ONSEN SHOP", "5999", "onsen@shops.hiroba.example"),
    ("203246", "見本りんご園", "MIHON APPLES", "5431", "apples@shops.hiroba.example"),
]


def _enroll_demo_residents() -> None:
    """Enrol the demo residents with their virtual cards, as the sign-in pages would (idempotent)."""
    from datetime import UTC, datetime

    from hiroba.identity import jpki
    from hiroba.identity.services import resident_enroll
    from hiroba.identity.services.jpki import jpki_config, pending_credential, revocation_checker
    from hiroba.identity.services.residents import enrollment_offer
    from hiroba.identity.testrig import CardSpec, virtual_card_make

    config = jpki_config()
    for name, birth, address in ENROLLED_RESIDENTS:
        offer = enrollment_offer(name=name, birth_date=birth, address=address)
        if offer.existing_user:
            continue
        card, _ = virtual_card_make(CardSpec(name=name, birth_date=birth, address=address))
        validated = jpki.validate_certificate(
            card.auth_certificate_der,
            kind=jpki.CertificateKind.AUTH,
            config=config,
            at=datetime.now(UTC),
            revocation=revocation_checker(config),
        )
        resident_enroll(
            credential=pending_credential(validated, card.token),
            offer=offer,
            consented=True,
            notice_text="demo enrollment",
            language="ja",
            actor=Actor.command_line(),
        )


def _demo_shops(operator: Actor) -> list[str]:
    """Two approved shops in each town of the Saku area, each with a merchant account that signs in by e-mail code."""
    from hiroba.identity.models import AccountKind, User
    from hiroba.wallet.models import Merchant, MerchantStatus
    from hiroba.wallet.services import merchants

    shops: list[str] = []
    for i, (code, name, roman, mcc, email) in enumerate(SHOPS):
        shop = Merchant.objects.filter(name=name).first()
        if shop is None:
            town = Municipality.objects.get(lg_code=code)
            shop = merchants.merchant_apply(
                municipality=town,
                name=name,
                name_roman=roman,
                address=f"{town.prefecture.name}{town.name}1-{i + 1}",
                mcc=mcc,
                bank_code="1390",
                branch_code="001",
                account_type=1,
                account_number=f"{1000001 + i}",
                holder_name=roman.replace(" ", ""),
                actor=operator,
            )
            owner = User.objects.create_user(
                email.split("@")[0] + "-shop",
                None,
                full_name=f"見本 {name}店主",
                email=email,
                kind=AccountKind.MERCHANT,
            )
            Merchant.objects.filter(pk=shop.pk).update(user=owner)
        if shop.status != MerchantStatus.APPROVED:
            merchants.merchant_approve(merchant_id=shop.pk, actor=operator)
        shops.append(shop.pk)
    return shops


def demo_wallet(today: dt.date) -> str:
    """The Saku coin with eight shops and a full previous calendar month of activity, dated relative to `today`:
    awards, conversions, payments across towns, refunds and an expiry. Returns the period to settle."""
    import random
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from hiroba.core.errors import AppError
    from hiroba.identity.models import Resident, ResidentStatus
    from hiroba.ledger.models import Journal
    from hiroba.ledger.services import Move, NewLot, journal_post, ledger_expire
    from hiroba.wallet.models import AreaSettings, PayerAccount
    from hiroba.wallet.services import accounts, money, payments

    operator = Actor.command_line()
    area = CurrencyArea.objects.get(slug="saku")
    AreaSettings.objects.get_or_create(
        area=area,
        defaults={"operator_name": "佐久地域コイン運営協議会(見本)", "operator_invoice_number": "T0000000000000"},
    )
    PayerAccount.objects.get_or_create(
        area=area,
        label="main",
        defaults={
            "requester_code": "0000012345",
            "requester_name": "ｻｸﾁｲｷｺｲﾝｳﾝｴｲｷﾖｳｷﾞｶｲ",
            "bank_code": "0143",
            "branch_code": "210",
            "account_type": 1,
            "account_number": "0001234",
        },
    )
    shops = _demo_shops(operator)
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    period = first.strftime("%Y-%m")
    for town in Municipality.objects.filter(currency_area=area):
        for year in {fiscal_year(first), fiscal_year(today)}:
            money.budget_appropriate(
                municipality=town, year=year, amount=2_000_000, key=f"demo:budget:{town.lg_code}:{year}", actor=operator
            )
    residents = list(
        Resident.objects.filter(municipality__currency_area=area, status=ResidentStatus.ACTIVE)
        .select_related("municipality")
        .order_by("pairwise_id")
    )
    tokyo = ZoneInfo("Asia/Tokyo")

    def at(day: dt.date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tokyo)

    rng = random.Random(period)  # noqa: S311 (reproducible demo history, not a secret)
    paid: list[str] = []
    for n, r in enumerate(residents):
        town = r.municipality
        money.points_award(
            municipality=town,
            awards=[(r, 1500)],
            key=f"demo:{period}:award:{r.pairwise_id}",
            on=first,
            reason="steps",
            at=at(first, 9),
        )
        money.points_convert(
            resident=r,
            points=1000,
            key=f"demo:{period}:convert:{r.pairwise_id}",
            on=first + timedelta(days=1 + n % 4),
            actor=operator,
            at=at(first + timedelta(days=1 + n % 4), 12),
        )
        if n == 0:  # a short campaign grant that lapses in the middle of the month
            journal_post(
                key=f"demo:{period}:campaign:{r.pairwise_id}",
                kind="grant",
                chain=area.slug,
                on=first,
                at=at(first, 10),
                memo={"reason": "campaign"},
                moves=[
                    Move(
                        accounts.coin_issuance(town),
                        accounts.resident_wallet(r),
                        300,
                        lot=NewLot(town.lg_code, first + timedelta(days=9)),
                    )
                ],
            )
    for k in range(40):
        r = residents[k % len(residents)]
        day = first + timedelta(days=5 + rng.randrange((last - first).days - 5))
        shop, amount = rng.choice(shops), rng.randrange(5, 30) * 10
        try:
            payment = payments.pay_static(
                resident=r,
                merchant_id=shop,
                amount=amount,
                key=f"demo:{period}:{k}",
                on=day,
                actor=operator,
                at=at(day, 10 + k % 8, rng.randrange(60)),
            )
        except AppError as error:  # a resident who has spent everything simply stops paying
            if error.code != "wallet.insufficient":
                raise
            continue
        paid.append(payment.journal.key)
    ledger_expire(on=first + timedelta(days=14), at=at(first + timedelta(days=14), 0, 5))
    for k in (3, 17, 29)[: len(paid) // 10]:
        journal = Journal.objects.get(key=paid[k])
        refund_day = last - timedelta(days=1)
        payments.refund(
            merchant_id=str(journal.memo["merchant"]),
            payment_key=journal.key,
            amount=min(100, sum(p.amount for p in journal.postings.all())),
            key=f"demo:{period}:refund:{k}",
            on=refund_day,
            actor=operator,
            at=at(refund_day, 17),
            now=at(refund_day, 17),
        )
    return period


DEMO_RULE = {
    "version": 1,
    "step_tiers": [
        {"min_steps": 3000, "points": 1},
        {"min_steps": 6000, "points": 3},
        {"min_steps": 8000, "points": 5},
    ],
    "step_tiers_65": [
        {"min_steps": 2000, "points": 1},
        {"min_steps": 4000, "points": 3},
        {"min_steps": 6000, "points": 5},
    ],
    "caps": {"daily": 10, "monthly": 150, "fiscal_year": 1500},
    "checkup_bonus": {"tokutei": 500, "gastric": 100, "lung": 100, "colorectal": 100, "breast": 100, "cervical": 100},
    "lapse_at_fiscal_year_end": True,
    "streak": {"days": 7, "points": 10},
    "first_participation": {"points": 50},
    "late_sync_days": 7,
}
HEALTH_WEEKS = 3
WATCH_SHARE = 0.5  # of demo days on which a watch counted too


def demo_health(today: dt.date) -> None:
    """Three weeks of step data for the enrolled residents (imported from Apple Health exports, one suspicious day
    held for review), a 特定健診 archive for two residents of 佐久市, and the daily awards of those weeks under
    each Saku-area town's rule. Does nothing when the rules are already there."""
    import io
    import random
    from datetime import timedelta

    from hiroba.health import services as health
    from hiroba.health.models import RuleVersion
    from hiroba.health.samples.apple import daily_walks
    from hiroba.health.samples.checkups import INSURER, Person, tokutei_archive
    from hiroba.identity.models import Resident, ResidentStatus
    from hiroba.identity.services import consent_grant

    operator = Actor.command_line()
    towns = list(Municipality.objects.filter(currency_area__slug="saku").order_by("lg_code"))
    if RuleVersion.objects.filter(municipality__in=towns).exists():
        return
    start = today - timedelta(weeks=HEALTH_WEEKS)
    for town in towns:
        health.rule_version_add(
            municipality=town,
            document=DEMO_RULE,
            valid_from=start,
            note="見本の基本ルール",
            actor=operator,
            today=start,
        )
    rng = random.Random(26)  # noqa: S311 (demo figures, not secrets)
    residents = list(
        Resident.objects.filter(municipality__in=towns, status=ResidentStatus.ACTIVE).order_by("municipality_id", "pk")
    )
    for n, resident in enumerate(residents):
        for source in ("apple_health", "checkups"):
            consent_grant(
                resident=resident,
                purpose=health.consent_purpose(source),
                notice_version="demo",
                notice_text="demo consent",
                language="ja",
                actor=operator,
            )
        walks = []
        for day in (start + timedelta(days=d) for d in range(HEALTH_WEEKS * 7)):
            steps = rng.choice((0, 2500, 4200, 6100, 7400, 8800, 10200))
            walks.append((day, "見本のiPhone", steps))
            if rng.random() < WATCH_SHARE:  # the watch counted most of the same walks: the day takes the larger device
                walks.append((day, "見本のApple Watch", int(steps * rng.uniform(0.8, 1.1))))
        if n == 0:
            walks.append((today - timedelta(days=2), "見本のiPhone", 61_000))  # held for review
        health.steps_import(resident=resident, upload=daily_walks(walks), actor=operator, today=today)
    saku = towns[0] if towns[0].lg_code == "202177" else Municipality.objects.get(lg_code="202177")
    examinees = [r for r in residents if r.municipality_id == saku.lg_code][:2]
    links = "pairwise_id,保険者番号,記号,番号,枝番\n" + "".join(
        f"{r.pairwise_id},{INSURER},見本,{100 + n},01\n" for n, r in enumerate(examinees)
    )
    health.member_links_import(municipality=saku, upload=io.BytesIO(links.encode()), actor=operator)
    checkup_day = today - timedelta(days=5)
    archive = tokutei_archive([Person("見本", str(100 + n), "01", checkup_day) for n in range(len(examinees))])
    health.checkups_import(municipality=saku, upload=io.BytesIO(archive), actor=operator, today=today)
    for d in range(1, HEALTH_WEEKS * 7 + 1):
        health.award_run(on=start + timedelta(days=d), actor=operator)


DEMO_CARD_PIN = "2580"  # the demo's printed cards (the resident's own card and the proxy's)


def demo_assist(today: dt.date) -> None:
    """見本 一歩 (b. 1948, 佐久市) has no smartphone: a printed card, outreach he asked for with one logged call, and
    見本 歩美 as his proxy (balance, paying with her own proxy card, paper step logs). Does nothing the second time."""
    from datetime import timedelta

    from hiroba.assist.models import Delegation
    from hiroba.assist.services import outreach, proxies
    from hiroba.core.models import Channel
    from hiroba.identity.models import Resident, ResidentStatus, User
    from hiroba.wallet.services import cards

    if Delegation.objects.exists():
        return
    people = {
        r.person.user.full_name: r
        for r in Resident.objects.filter(municipality_id="202177", status=ResidentStatus.ACTIVE).select_related(
            "person__user"
        )
        if r.person is not None
    }
    father, daughter = people.get("見本 一歩"), people.get("見本 歩美")
    if father is None or daughter is None or father.person is None or daughter.person is None:
        return
    operator = Actor.command_line()
    father_acts = Actor.for_user(father.person.user, channel=Channel.WEB)
    daughter_acts = Actor.for_user(daughter.person.user, channel=Channel.WEB)
    cards.card_issue(resident=father, pin=DEMO_CARD_PIN, daily_limit=5_000, actor=operator)
    _invitation, code = proxies.proxy_offer(
        resident=father,
        scopes=["balance", "pay_card", "paper_steps"],
        ends_on=dt.date(today.year + 1, 3, 31),
        actor=father_acts,
    )
    proxies.proxy_accept(code=code, proxy=daughter.person.user, actor=daughter_acts)
    delegation = Delegation.objects.get(resident=father)
    proxies.proxy_card_issue(
        delegation_id=delegation.pk,
        proxy=daughter.person.user,
        pin=DEMO_CARD_PIN,
        daily_limit=3_000,
        on=delegation.starts_on,  # the delegation starts on the clock's day, which `today` may not be
        actor=daughter_acts,
    )
    enrollment = outreach.outreach_join(resident=father, recorded_by=father.person.user, actor=father_acts)
    clerk = User.objects.get(username="saku-counter")
    outreach.outreach_contact_log(
        lg_code="202177",
        enrollment_id=enrollment.pk,
        outcome="called",
        note="見本の記録：お元気でした",
        follow_up_on=today + timedelta(days=14),
        staff=clerk,
        actor=Actor.for_user(clerk, channel=Channel.COUNTER),
    )


DEMO_POLLS = ("(見本)市民プール再整備についての住民アンケート", "(見本)参加型予算 2027年度 地域の提案事業")


def _demo_trustees(election: Any, committee: Actor, count: int) -> list[int]:
    """Register `count` trustees whose keys this demo makes (real trustees make theirs on their own machines)."""
    from hiroba.voting.crypto.ballot import proof_json
    from hiroba.voting.crypto.groups import group_by_name
    from hiroba.voting.crypto.proofs import pok_prove
    from hiroba.voting.formats.archive import json_dumps
    from hiroba.voting.services import trustee_register

    group = group_by_name(election.group)
    keys = [group.random_scalar() for _ in range(count)]
    for i, x in enumerate(keys, start=1):
        public = json_dumps({"pok": proof_json(pok_prove(group, x)), "public_key": group.to_str(group.g_pow(x))})
        trustee_register(actor=committee, election=election, name=f"見本 管理者{i}", public_key_json=public)
    return keys


def _demo_tally(election: Any, committee: Actor, keys: list[int]) -> None:
    """Close the poll early, decrypt with every trustee's key and publish the result."""
    from hiroba.voting.crypto.ballot import proof_json
    from hiroba.voting.crypto.groups import group_by_name
    from hiroba.voting.crypto.proofs import decryption_factor_prove
    from hiroba.voting.formats.archive import json_dumps
    from hiroba.voting.selectors import encrypted_tally_get
    from hiroba.voting.services import election_close, partial_decryption_add, result_compute

    election_close(actor=committee, election=election)
    election.refresh_from_db()
    group = group_by_name(election.group)
    tally = encrypted_tally_get(election=election)
    for owner, x in enumerate(keys, start=1):
        pairs = [[decryption_factor_prove(group, election.fingerprint, x, ct.alpha) for ct in row] for row in tally]
        decryption = json_dumps(
            {
                "decryption_factors": [[group.to_str(f) for f, _ in row] for row in pairs],
                "decryption_proofs": [[proof_json(p) for _, p in row] for row in pairs],
            }
        )
        partial_decryption_add(actor=committee, election=election, owner=owner, decryption_json=decryption)
    result_compute(actor=committee, election=election)


def _demo_tallied_poll(residents: list[Any], committee: Actor, authority: Actor) -> str:
    """BELENIOS-2048, letters: the credentials exist only in this function, as on the authority's own machine.
    Every resident votes, the first one re-votes, two trustees decrypt."""
    from datetime import timedelta

    from django.utils import timezone

    from hiroba.core.models import Channel
    from hiroba.voting.crypto.ballot import ballot_create
    from hiroba.voting.crypto.credentials import credential_generate, credential_secret
    from hiroba.voting.crypto.groups import group_by_name
    from hiroba.voting.formats.archive import json_dumps
    from hiroba.voting.selectors import question_structures
    from hiroba.voting.services import (
        ballot_cast,
        credentials_register,
        election_create,
        election_open,
        question_choose,
        question_yes_no,
        voters_enroll,
    )

    now = timezone.now()
    poll = election_create(
        actor=committee,
        lg_code="202177",
        title=DEMO_POLLS[0],
        description="見本の投票です。市民プールの再整備と、あわせて整備する設備を伺いました。",
        questions=[
            question_yes_no("市民プールを再整備しますか", blank=True),
            question_choose("あわせて整備するもの(1〜2つ)", ["屋根", "売店", "駐車場"], minimum=1, maximum=2),
        ],
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=1),
    )
    voters_enroll(actor=committee, election=poll)
    group = group_by_name(poll.group)
    letters = {r.pairwise_id: credential_generate() for r in residents}
    publics = sorted(group.to_str(group.g_pow(credential_secret(group, c, poll.uuid))) for c in letters.values())
    credentials_register(actor=authority, election=poll, public_credentials=publics)
    keys = _demo_trustees(poll, committee, 2)
    poll = election_open(actor=committee, election=poll)
    choices = [[[0, 1, 0], [1, 1, 0]], [[0, 0, 1], [0, 0, 1]]]  # yes + roof and shop; no + car park
    revote = [[0, 1, 0], [1, 0, 0]]
    for resident, plaintexts in [*zip(residents, choices, strict=False), (residents[0], revote)]:
        ballot = ballot_create(
            group,
            y=group.parse(poll.public_key),
            election_uuid=poll.uuid,
            election_fingerprint=poll.fingerprint,
            credential_secret=credential_secret(group, letters[resident.pairwise_id], poll.uuid),
            questions=question_structures(poll),
            plaintexts=plaintexts,
        )
        voter = Actor.for_user(resident.person.user, channel=Channel.WEB)
        ballot_cast(actor=voter, election=poll, resident=resident, ballot_json=json_dumps(ballot))
    _demo_tally(poll, committee, keys)
    return poll.uuid


def _demo_open_poll(today: dt.date, committee: Actor, authority: Actor) -> str:
    """Ed25519 participatory budgeting, open for 30 days, credentials shown after card sign-in. Its trustees' keys
    go to var/demo/voting/ so that the demo can be tallied with `hiroba voting trustee-decrypt` or the trustee page."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from hiroba.voting.formats.archive import json_dumps
    from hiroba.voting.models import CredentialDelivery
    from hiroba.voting.services import (
        credentials_issue_online,
        election_create,
        election_open,
        question_choose,
        voters_enroll,
    )

    projects = ["子ども食堂の運営支援", "バス停のベンチ設置", "図書館の夜間開館", "河川敷の花壇づくり"]
    poll = election_create(
        actor=committee,
        lg_code="202177",
        title=DEMO_POLLS[1],
        description="見本の投票です。来年度に市が予算をつける地域の提案事業を、2つまで選んでください。",
        questions=[question_choose("予算をつける事業(1〜2つ)", projects, minimum=1, maximum=2, blank=True)],
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.make_aware(dt.datetime.combine(today + timedelta(days=30), dt.time(20, 0))),
        group="Ed25519",
        credential_delivery=CredentialDelivery.ONLINE,
    )
    voters_enroll(actor=committee, election=poll)
    credentials_issue_online(actor=authority, election=poll)
    folder = settings.VAR_DIR / "demo" / "voting"
    folder.mkdir(parents=True, exist_ok=True)
    for i, x in enumerate(_demo_trustees(poll, committee, 2), start=1):
        (folder / f"{poll.uuid}-trustee-{i}.privkey").write_bytes(json_dumps(str(x)))
    election_open(actor=committee, election=poll)
    return poll.uuid


def demo_voting(today: dt.date) -> list[str]:
    """Two polls of 佐久市 for its enrolled demo residents: a tallied BELENIOS-2048 poll and an open Ed25519 one (see
    the two helpers). Returns their uuids; does nothing the second time."""
    from hiroba.core.models import Channel
    from hiroba.identity.models import Resident, ResidentStatus, User
    from hiroba.voting.models import Election

    existing = Election.objects.filter(municipality_id="202177", title__in=DEMO_POLLS).order_by("pk")
    if existing.count() == len(DEMO_POLLS):
        return [e.uuid for e in existing]
    residents = [
        r
        for r in Resident.objects.filter(municipality_id="202177", status=ResidentStatus.ACTIVE).select_related(
            "person__user"
        )
        if r.person is not None
    ]
    if not residents or existing.exists():
        return []
    committee = Actor.for_user(User.objects.get(username="saku-counter"), channel=Channel.WEB)
    authority = Actor.for_user(User.objects.get(username="saku-credentials"), channel=Channel.WEB)
    return [_demo_tallied_poll(residents, committee, authority), _demo_open_poll(today, committee, authority)]


def demo_cocreation() -> None:
    """Two spaces of the standing workshop with ideas supported across towns and a counter problem (does nothing
    the second time)."""
    from hiroba.cocreation.models import Space
    from hiroba.cocreation.services import (
        comment_add,
        idea_post,
        idea_support,
        problem_link_idea,
        problem_report,
        problem_same_here,
        space_create,
    )
    from hiroba.core.models import Channel
    from hiroba.identity.models import User

    if Space.objects.exists():
        return

    def staff(username: str) -> Actor:
        return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)

    card = space_create(
        actor=staff("agency"),
        slug="card",
        name="マイナンバーカードの活用",
        name_en="Using the My Number Card",
        description="カードを使った住民サービスのアイデアと、窓口で困っていること。",
    )
    counter = space_create(actor=staff("agency"), slug="counter-dx", name="窓口DX", name_en="Digital counters")
    points = idea_post(
        actor=staff("saku-health"),
        space=card,
        title="健康ポイントを近隣の町で使える地域通貨に",
        problem="健診や歩数でポイントを貯めても、使える店が町内に少なく、続けてもらえない。",
        proposal="近隣の市町村で通貨圏をつくり、ポイントを地域通貨に換えて隣町の店でも使えるようにする。",
        services=["健康づくり", "地域通貨"],
    )
    for name in ("komoro-health", "miyota-admin", "tateshina-admin", "saitama-admin"):
        idea_support(actor=staff(name), idea=points)
    proxies = idea_post(
        actor=staff("komoro-counter"),
        space=counter,
        title="デジタルが苦手な人の代わりに窓口で操作したい",
        problem="スマートフォンを持たない高齢の方が、窓口で手続きをあきらめて帰ってしまう。",
        proposal="本人のカードと暗証番号で、職員が同意のうえ時間を区切って代わりに操作できる仕組み。",
        services=["窓口"],
    )
    idea_support(actor=staff("saku-counter"), idea=proxies)
    comment_add(actor=staff("agency"), idea=proxies, body="代理人の仕組みと合わせて検討します。", stance="for")
    problem = problem_report(
        actor=staff("saku-counter"),
        summary="スマートフォンを持たない方がポイントを使えない",
        detail="高齢の方から「紙のカードで払えないか」と毎週聞かれる。",
    )
    problem_same_here(actor=staff("komoro-counter"), problem=problem)
    problem_link_idea(actor=staff("saku-counter"), problem=problem, idea=proxies)


# The agency's answers to the workshop's requests (team number in the demo workshop, who sends it, status, answer,
# reason when declined). 対応困難 goes to the demo's own counter-help idea, with the reason the agency would give.
REQUEST_ANSWERS = [
    (1, "saku-health", "done", "佐久地域の通貨圏で、健康ポイントと地域通貨(さくコイン)の交換をひろばで始めました。"),
    (
        2,
        "saku-counter",
        "planned",
        "Belenios 方式の検証できる住民投票をひろばに用意しました。佐久市での試行を予定しています。",
    ),
    (3, "matsudo-counter", "considering", "スマートフォン用電子証明書で完結する手続きを増やす方法を検討しています。"),
    (
        4,
        "chofu-admin",
        "done",
        "職員向け講座「マイナンバーカードでできること」とカードの模擬体験を、ひろばの研修に用意しました。",
    ),
    (
        5,
        "miyota-admin",
        "considering",
        "通貨圏を広げるときの費用の分け方と、自治体ごとのデータの分け方を整理しています。",
    ),
]
DECLINED = (
    "暗証番号を職員が代わりに入力する運用はできません。",
    "暗証番号は本人以外に教えないことが原則です。代わりに、窓口で職員が同席して本人が操作する支援と、代理人の仕組みを用意しました。",
)


def demo_workshop_day() -> None:
    """After `demo_cocreation`: the workshop day itself (six teams whose outcomes became ideas) and its requests to
    the agency with the agency's answers, one still open and one declined. Loading twice changes nothing."""
    from hiroba.cocreation.demo_workshop import TITLE as WORKSHOP_TITLE
    from hiroba.cocreation.demo_workshop import demo_workshop
    from hiroba.cocreation.models import AgencyRequest, Idea
    from hiroba.cocreation.models.workshops import Team
    from hiroba.cocreation.services import request_answer, request_escalate
    from hiroba.core.models import Channel
    from hiroba.identity.models import User

    demo_workshop()
    if AgencyRequest.objects.exists():
        return

    def staff(username: str) -> Actor:
        return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)

    teams = Team.objects.filter(workshop__title=WORKSHOP_TITLE).select_related("idea")
    ideas = {t.name: t.idea for t in teams if t.idea is not None}
    for number, sender, status, answer in REQUEST_ANSWERS:
        request = request_escalate(actor=staff(sender), idea=ideas[f"チーム{number}"])
        request_answer(actor=staff("agency"), request=request, status=status, answer=answer)
    request_escalate(actor=staff("komoro-counter"), idea=ideas["チーム6"])  # not answered yet: open on the tracker
    proxies = Idea.objects.get(title="デジタルが苦手な人の代わりに窓口で操作したい")
    answer, reason = DECLINED
    request = request_escalate(actor=staff("komoro-counter"), idea=proxies)
    request_answer(actor=staff("agency"), request=request, status="declined", answer=answer, reason=reason)


def demo_learning() -> None:
    """The card simulator's training town, and some staff's progress in the first course (loading twice changes
    nothing)."""
    from hiroba.learning.demo import demo_learning as progress
    from hiroba.learning.simulator.demo import demo_simulator

    demo_simulator()
    progress()
