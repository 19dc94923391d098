"""Health staff decide held days: approve (the day counts) or reject (it never earns), always with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict, Invalid, NotFound
from hiroba.health.events import HealthEvent
from hiroba.health.models import DayStatus, StepDay


@transaction.atomic
def day_review(*, lg_code: str, day_id: int, approve: bool, reason: str, actor: Actor) -> StepDay:
    """Decide one held day of a resident of `lg_code` (another town's day is not found, not refused)."""
    reason = reason.strip()
    if not reason:
        raise Invalid("health.reason_required", ja="理由を入力してください。", en="Give a reason.")
    day = StepDay.objects.select_for_update().filter(pk=day_id, resident__municipality_id=lg_code).first()
    if day is None:
        raise NotFound("health.day_not_found", ja="該当する記録がありません。", en="No such day.")
    if day.status != DayStatus.HELD:
        raise Conflict("health.not_held", ja="この記録は確認待ちではありません。", en="This day is not held.")
    day.status = DayStatus.COUNTED if approve else DayStatus.REJECTED
    day.reviewed_by = actor.ref
    day.review_reason = reason[:200]
    day.updated_at = timezone.now()
    day.save(update_fields=["status", "reviewed_by", "review_reason", "updated_at"])
    audit_record(
        tag=HealthEvent.DAY_REVIEWED,
        actor=actor,
        subject=f"stepday:{day.pk}",
        data={"approved": approve, "reasons": list(day.hold_reasons), "note": day.review_reason},
        municipality=lg_code,
    )
    return day
