"""The walk: a trainee's run through the simulator's steps with a virtual card of its own, from its start (a new
card from the training CA for a fresh sandbox resident) to its completion (recorded as the learning activity).

Steps go in order: each checks it is the next one and advances with a conditional update, so that two tabs cannot
both do the same step; every advance is recorded in the sandbox town's audit chain.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict
from hiroba.learning.services import activity_complete
from hiroba.learning.simulator import trainingca
from hiroba.learning.simulator.events import SimulatorEvent
from hiroba.learning.simulator.models import STEPS, TRAINING_PASSWORD, TRAINING_PIN, Walk
from hiroba.learning.simulator.selectors import trainee_required
from hiroba.learning.simulator.services.sandbox import SANDBOX_ADDRESS, simulator_sandbox_ensure


def _walk_audit(walk: Walk, tag: SimulatorEvent, actor: Actor, data: dict[str, Any] | None = None) -> None:
    audit_record(
        tag=tag,
        actor=actor,
        subject=f"walk:{walk.pk}",
        data=data or {},
        municipality=walk.sandbox.municipality_id,
    )


def _resident_name(walk_id: str) -> str:
    """A name of its own per walk: enrollment recognises a person by name and birth date."""
    return f"練習 花子 {walk_id[2:8].upper()}"


def walk_start(*, actor: Actor) -> Walk:
    """Begin a walk (or begin again): a new virtual card from the training CA for a fresh sandbox resident. The
    trainee's earlier walk stays as it was, with its resident and its ledger history."""
    trainee = trainee_required(actor=actor)
    sandbox = simulator_sandbox_ensure()
    ca = trainingca.training_ca_load(sandbox.training_ca)
    walk = Walk(trainee=trainee, sandbox=sandbox)
    walk.name = _resident_name(walk.pk)
    card = trainingca.training_card_issue(
        ca,
        name=walk.name,
        birth_date=date(1990, 1 + secrets.randbelow(12), 1 + secrets.randbelow(28)),
        address=f"{SANDBOX_ADDRESS}{1 + secrets.randbelow(20)}-{1 + secrets.randbelow(30)}",
        now=timezone.now(),
        pin=TRAINING_PIN,
        password=TRAINING_PASSWORD,
    )
    walk.card = card.to_json()
    with transaction.atomic():
        Walk.objects.filter(trainee=trainee, current=True).update(current=False)
        walk.save(force_insert=True)
        _walk_audit(walk, SimulatorEvent.WALK_STARTED, actor)
    return walk


def _step_check(walk: Walk, number: int) -> None:
    if walk.steps_done >= number:
        raise Conflict(
            "simulator.step_done",
            ja="この手順は終わっています。次の手順に進んでください。",
            en="This step is done already. Go on to the next one.",
            detail={"step": number, "next": walk.next_step},
        )
    if walk.steps_done + 1 != number:
        raise Conflict(
            "simulator.step_order",
            ja=f"手順は順番に進めてください。次は手順{walk.steps_done + 1}です。",
            en=f"The steps go in order: step {walk.steps_done + 1} comes next.",
            detail={"step": number, "next": walk.steps_done + 1},
        )
    if not walk.current:
        raise Conflict(
            "simulator.walk_ended",
            ja="この練習は「最初からやり直す」で終了しています。",
            en="This walk was ended when you started over.",
        )


def _step_done(walk: Walk, number: int, actor: Actor, data: dict[str, Any] | None = None) -> None:
    """Advance (a conditional update: two tabs cannot both do the same step)."""
    with transaction.atomic():
        if not Walk.objects.filter(pk=walk.pk, steps_done=number - 1).update(steps_done=number):
            raise Conflict(
                "simulator.step_done",
                ja="この手順は終わっています。次の手順に進んでください。",
                en="This step is done already. Go on to the next one.",
            )
        walk.steps_done = number
        _walk_audit(walk, SimulatorEvent.STEP_DONE, actor, {"step": number, **(data or {})})


def walk_complete(*, actor: Actor, walk: Walk) -> Walk:
    """After the last step: the walk is complete and the learning app records the activity for the trainee."""
    if walk.steps_done != STEPS:
        raise Conflict("simulator.not_finished", ja="まだ全部の手順が終わっていません。", en="Not every step is done.")
    with transaction.atomic():
        if Walk.objects.filter(pk=walk.pk, completed_at__isnull=True).update(completed_at=timezone.now()):
            _walk_audit(walk, SimulatorEvent.WALK_COMPLETED, actor)
        activity_complete(actor=actor, activity="simulator")
    walk.refresh_from_db()
    return walk
