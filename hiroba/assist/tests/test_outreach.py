"""Opt-in outreach: only residents who asked appear, never anyone under a support measure; contacts are logged
with follow-ups; the list leaves Hiroba only with a recorded reason."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hiroba.assist import selectors
from hiroba.assist.services import outreach, proxies
from hiroba.assist.tests.conftest import user_of
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import CredentialBinding, CredentialKind, User
from hiroba.identity.tests.factories import make_resident
from hiroba.wallet.tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


def clerk() -> User:
    return User.objects.get(username="saku-counter")


def joined(resident: Any) -> Any:
    return outreach.outreach_join(resident=resident, recorded_by=user_of(resident), actor=OPERATOR)


def signed_in_days_ago(resident: Any, days: int) -> None:
    CredentialBinding.objects.create(
        person=resident.person,
        kind=CredentialKind.JPKI_AUTH,
        lookup=secrets.token_hex(32),
        key_version=1,
        last_used_at=timezone.now() - timedelta(days=days),
    )


def test_the_call_list_holds_only_quiet_residents_who_opted_in_and_no_flagged_one(demo: Any) -> None:
    today = timezone.localdate()
    quiet, busy, flagged, never_asked = (make_resident("202177", f"見本 {n}") for n in ("静", "元気", "保護", "未登録"))
    for resident in (quiet, busy, flagged):
        joined(resident)
    signed_in_days_ago(quiet, 45)
    signed_in_days_ago(busy, 2)
    signed_in_days_ago(flagged, 60)
    signed_in_days_ago(never_asked, 90)
    proxies.support_measure_set(resident=flagged, actor=OPERATOR)
    rows = selectors.call_list(lg_code="202177", idle_days=30, on=today)
    assert [(r.name, r.idle_days) for r in rows] == [("見本 静", 45)]
    assert selectors.call_list(lg_code="202088", idle_days=30, on=today) == []  # another town's list is its own


def test_a_logged_contact_with_a_follow_up_brings_the_resident_back_when_due(demo: Any) -> None:
    today = timezone.localdate()
    resident = make_resident("202177", "見本 静")
    enrollment = joined(resident)
    signed_in_days_ago(resident, 40)
    actor = Actor.for_user(clerk(), channel=Channel.COUNTER)
    outreach.outreach_contact_log(
        lg_code="202177",
        enrollment_id=enrollment.pk,
        outcome="resolved",
        note="お元気でした",
        follow_up_on=today + timedelta(days=14),
        staff=clerk(),
        actor=actor,
    )
    assert selectors.call_list(lg_code="202177", idle_days=30, on=today) == []  # resolved, nothing due
    due = selectors.call_list(lg_code="202177", idle_days=30, on=today + timedelta(days=14))
    assert [(r.name, r.last_outcome) for r in due] == [("見本 静", "解決")]
    with pytest.raises(AppError) as caught:  # 小諸市's staff cannot log against 佐久市's enrollment
        outreach.outreach_contact_log(
            lg_code="202088", enrollment_id=enrollment.pk, outcome="called", note="", follow_up_on=None,
            staff=clerk(), actor=actor,
        )  # fmt: skip
    assert caught.value.code == "assist.enrollment_unknown"
    assert AuditRecord.objects.filter(tag="assist:outreach:contact").count() == 1


def test_an_export_needs_a_reason_and_is_recorded_either_way(demo: Any) -> None:
    resident = make_resident("202177", "見本 静")
    joined(resident)
    signed_in_days_ago(resident, 40)
    actor = Actor.for_user(clerk(), channel=Channel.COUNTER)
    with pytest.raises(AppError) as caught:
        outreach.outreach_export(lg_code="202177", idle_days=30, reason="  ", on=timezone.localdate(), actor=actor)
    assert caught.value.code == "assist.export_reason"
    assert AuditRecord.objects.filter(tag="assist:outreach:refused").count() == 1
    data = outreach.outreach_export(
        lg_code="202177", idle_days=30, reason="民生委員との訪問計画", on=timezone.localdate(), actor=actor
    )
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("氏名,電話")
    assert "見本 静" in text
    record = AuditRecord.objects.get(tag="assist:outreach:exported")
    assert record.data["reason"] == "民生委員との訪問計画"
    assert record.data["rows"] == 1
