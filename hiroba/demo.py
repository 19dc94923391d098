"""Demo data with real local government codes and clearly fictional people. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from hiroba.core.audit import Actor
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
    return [(path.name, path.parent.as_posix()) for path in virtual_cards()]
