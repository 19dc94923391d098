"""Counter-assisted sessions: consent and a reason to start, the resident's own town only, every act audited as
the clerk acting for the resident at the counter, nothing after the session ends, a large-print receipt."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hiroba.assist import selectors
from hiroba.assist.formats.receipt import Receipt, receipt_pdf, wrapped
from hiroba.assist.models import AssistSession
from hiroba.assist.services import sessions
from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import User
from hiroba.tenancy.models import Municipality
from hiroba.wallet.services import money

pytestmark = pytest.mark.django_db


def clerk() -> User:
    return User.objects.get(username="saku-counter")


def start(resident: Any, **overrides: Any) -> AssistSession:
    staff = clerk()
    arguments: dict[str, Any] = {
        "municipality": Municipality.objects.get(lg_code="202177"),
        "staff": staff,
        "resident": resident,
        "reason": "スマートフォンをお持ちでない",
        "consented": True,
        "consent_text": "同意します",
        "actor": Actor.for_user(staff, channel=Channel.COUNTER),
    }
    return sessions.session_start(**{**arguments, **overrides})


def refused(code: str, act: Any) -> None:
    with pytest.raises(AppError) as caught:
        act()
    assert caught.value.code == code, caught.value


def test_a_session_needs_consent_a_reason_and_a_resident_of_the_town(saku: dict[str, Any]) -> None:
    refused("assist.consent_required", lambda: start(saku["hanako"], consented=False))
    refused("assist.reason_required", lambda: start(saku["hanako"], reason="   "))
    refused("assist.other_town", lambda: start(saku["taro"]))  # 小諸市's resident at 佐久市's counter
    refused("assist.card_not_enrolled", lambda: start(None))
    assert not AssistSession.objects.exists()
    assert AuditRecord.objects.filter(tag="assist:session:refused").count() == 4
    session = start(saku["hanako"])
    assert session.expires_at - session.started_at == timedelta(minutes=sessions.session_minutes())


def test_acts_are_audited_as_the_clerk_for_the_resident_and_listed_on_the_receipt(saku: dict[str, Any]) -> None:
    hanako = saku["hanako"]
    today = timezone.localdate()
    money.points_award(municipality=hanako.municipality, awards=[(hanako, 3_000)], key="aw", on=today, reason="t")
    session = start(hanako)
    actor = sessions.counter_actor(session)
    money.points_convert(resident=hanako, points=1_000, key="assist:1", on=today, actor=actor)
    sessions.session_act_record(session=session, kind="convert", data={"points": 1_000, "coins": 1_000})
    record = AuditRecord.objects.get(tag="wallet:points:converted")
    assert (record.actor, record.acting_for, record.channel) == (
        f"user:{clerk().public_id}",
        f"resident:{hanako.pairwise_id}",
        "counter",
    )
    sessions.session_end(session=session, actor=actor)
    receipt = selectors.session_receipt(session)
    assert receipt.acts == ["1,000ポイントを1,000円分のコインに交換しました。"]
    assert receipt.resident == "見本 花子"


def test_nothing_can_be_done_after_the_session_ends_or_times_out(saku: dict[str, Any]) -> None:
    session = start(saku["hanako"])
    actor = Actor.for_user(clerk(), channel=Channel.COUNTER)
    assert sessions.session_usable(session_id=session.pk, staff=clerk(), actor=actor) == session
    past = timezone.now() - timedelta(hours=1)
    AssistSession.objects.filter(pk=session.pk).update(started_at=past, expires_at=past + timedelta(minutes=30))
    refused("assist.session_over", lambda: sessions.session_usable(session_id=session.pk, staff=clerk(), actor=actor))
    other = User.objects.get(username="saku-admin")
    refused("assist.session_unknown", lambda: sessions.session_usable(session_id=session.pk, staff=other, actor=actor))
    assert AuditRecord.objects.filter(tag="assist:session:refused", subject=f"assist_session:{session.pk}").exists()


def test_the_receipt_is_large_print_japanese_and_the_same_bytes_each_time(tmp_path: Any) -> None:
    receipt = Receipt(
        town="佐久市",
        resident="見本 花子",
        clerk="窓口 一郎",
        started="2026年11月26日 10:05",
        ended="10:20",
        acts=["1,000ポイントを1,000円分のコインに交換しました。", "紙の歩数記録（1日分）を入力しました。"],
        notes=["職員は、あなたの暗証番号を知りません。"],
    )
    pdf = receipt_pdf(receipt)
    assert pdf == receipt_pdf(receipt)
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "窓口でのお手続きの控え" in text
    assert "見本 花子 様" in text
    assert "1,000ポイントを1,000円分のコインに交換しました。" in text.replace(" ", "")


def test_wrapping_never_starts_a_line_with_a_full_stop() -> None:
    lines = wrapped("あ" * 9 + "。" + "い" * 5, font="HeiseiKakuGo-W5", size=10, width=90)
    assert all(not line.startswith("。") for line in lines)
    assert "".join(lines) == "あ" * 9 + "。" + "い" * 5
