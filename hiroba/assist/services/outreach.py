"""Opt-in outreach (見守り): residents who asked to be looked after, contacts logged with follow-up dates, and an
export that needs a reason. Residents under a support measure never appear on a list or in an export."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.db import transaction
from django.utils import timezone

from hiroba.assist import selectors
from hiroba.assist.events import AssistEvent
from hiroba.assist.models import Outcome, OutreachContact, OutreachEnrollment
from hiroba.core.audit import Actor, audit_record, refusals_recorded
from hiroba.core.errors import Invalid
from hiroba.identity.models import Resident, User

MAX_NOTE = 300


@transaction.atomic(durable=True)
def outreach_join(*, resident: Resident, recorded_by: User, actor: Actor) -> OutreachEnrollment:
    """The resident opts in (themselves, or at the counter in an assisted session)."""
    current = OutreachEnrollment.objects.filter(resident=resident, withdrawn_at__isnull=True).first()
    if current is not None:
        return current
    enrollment = OutreachEnrollment.objects.create(
        resident=resident, opted_in_at=timezone.now(), recorded_by=recorded_by
    )
    audit_record(
        tag=AssistEvent.OUTREACH_JOINED,
        actor=actor,
        subject=f"resident:{resident.pairwise_id}",
        data={},
        municipality=resident.municipality_id,
    )
    return enrollment


@transaction.atomic(durable=True)
def outreach_leave(*, resident: Resident, actor: Actor) -> bool:
    left = OutreachEnrollment.objects.filter(resident=resident, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if left:
        audit_record(
            tag=AssistEvent.OUTREACH_LEFT,
            actor=actor,
            subject=f"resident:{resident.pairwise_id}",
            data={},
            municipality=resident.municipality_id,
        )
    return bool(left)


@transaction.atomic(durable=True)
def outreach_contact_log(
    *,
    lg_code: str,
    enrollment_id: int,
    outcome: str,
    note: str,
    follow_up_on: date | None,
    staff: User,
    actor: Actor,
) -> OutreachContact:
    """Log a call or visit to an enrolled resident of the town (another town's enrollment is not found)."""
    enrollment = selectors.outreach_enrollment(lg_code=lg_code, enrollment_id=enrollment_id)
    if outcome not in Outcome.values:
        raise Invalid("assist.outcome", ja="結果を選んでください。", en="Choose the outcome.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Invalid("assist.note_long", ja="メモは300文字以内です。", en="The note is at most 300 characters.")
    today = timezone.localdate()
    if follow_up_on is not None and follow_up_on < today:
        raise Invalid(
            "assist.follow_up_past",
            ja="次回の予定日は今日以降にしてください。",
            en="The follow-up date must not be past.",
        )
    contact = OutreachContact.objects.create(
        enrollment=enrollment, at=timezone.now(), staff=staff, outcome=outcome, note=note, follow_up_on=follow_up_on
    )
    audit_record(
        tag=AssistEvent.OUTREACH_CONTACT,
        actor=actor,
        subject=f"resident:{enrollment.resident.pairwise_id}",
        data={"outcome": outcome, "follow_up_on": follow_up_on.isoformat() if follow_up_on else None},
        municipality=lg_code,
    )
    return contact


def outreach_export(*, lg_code: str, idle_days: int, reason: str, on: date, actor: Actor) -> bytes:
    """The call list as CSV (UTF-8 with BOM, for spreadsheet software), only with an audited reason."""
    with refusals_recorded(
        tag=AssistEvent.OUTREACH_REFUSED, actor=actor, subject=f"outreach:{lg_code}", municipality=lg_code
    ):
        reason = " ".join(reason.split())
        if not reason:
            raise Invalid(
                "assist.export_reason",
                ja="書き出す理由を入力してください（記録されます）。",
                en="Give the reason for the export (it is recorded).",
            )
        rows = selectors.call_list(lg_code=lg_code, idle_days=idle_days, on=on)
        with transaction.atomic():
            audit_record(
                tag=AssistEvent.OUTREACH_EXPORTED,
                actor=actor,
                subject=f"outreach:{lg_code}",
                data={"reason": reason, "rows": len(rows), "idle_days": idle_days},
                municipality=lg_code,
            )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["氏名", "電話", "最後の利用", "利用のない日数", "前回の結果", "次回予定"])
    for row in rows:
        writer.writerow(
            [
                row.name,
                row.phone,
                row.last_seen.isoformat() if row.last_seen else "",
                row.idle_days if row.idle_days is not None else "",
                row.last_outcome,
                row.follow_up_on.isoformat() if row.follow_up_on else "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
