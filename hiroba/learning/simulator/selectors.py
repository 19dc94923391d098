"""Reads of the card simulator: who may train, a trainee's own walk, and what the sandbox resident would see."""

from __future__ import annotations

from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.errors import Conflict, NotFound, PermissionDenied
from hiroba.identity.models import Resident, User
from hiroba.learning.simulator.models import STEPS, Sandbox, Walk
from hiroba.tenancy.selectors import actor_scope
from hiroba.wallet import selectors as wallet
from hiroba.wallet.selectors import WalletView


def trainee_required(*, actor: Actor) -> User:
    """The simulator is for the staff of every municipality and of the agency, and for nobody else (not residents,
    not merchants, not anonymous visitors)."""
    if actor.user is None or actor_scope(actor).staff_id is None:
        raise PermissionDenied(
            "simulator.staff_only",
            ja="カードシミュレーターは自治体とデジタル庁の職員のための研修です。",
            en="The card simulator is training for the staff of municipalities and the agency.",
        )
    return actor.user


def is_sandbox(*, lg_code: str) -> bool:
    """Whether the town exists only for training (other apps may ask before counting a town in anything real)."""
    return Sandbox.objects.filter(municipality_id=lg_code).exists()


def sandbox_lg_codes() -> set[str]:
    return set(Sandbox.objects.values_list("municipality_id", flat=True))


def walk_current(*, actor: Actor) -> Walk | None:
    user = trainee_required(actor=actor)
    return Walk.objects.filter(trainee=user, current=True).select_related("sandbox__municipality").first()


def walk_get(*, actor: Actor, walk_id: str) -> Walk:
    """The trainee's own walk; another trainee's is refused (its id says nothing about who it belongs to)."""
    user = trainee_required(actor=actor)
    walk = Walk.objects.filter(pk=walk_id).select_related("sandbox__municipality").first()
    if walk is None:
        raise NotFound("simulator.walk_unknown", ja="この練習は見つかりません。", en="No such walk.")
    if walk.trainee_id != user.pk:
        raise PermissionDenied(
            "simulator.walk_not_yours",
            ja="ほかの職員の練習は開けません。",
            en="This walk belongs to another trainee.",
        )
    return walk


def walk_wallet(*, walk: Walk) -> WalletView | None:
    """The sandbox resident's points and coins, as their wallet page would show them."""
    if walk.resident_id is None:
        return None
    resident = Resident.objects.select_related("municipality__currency_area").get(pk=walk.resident_id)
    return wallet.wallet_view(resident=resident, on=timezone.localdate(), history=5)


def step_visible(*, walk: Walk, number: int) -> None:
    """A step's page opens once the steps before it are done (a done step can be looked at again)."""
    if not 1 <= number <= STEPS:
        raise NotFound("simulator.step_unknown", ja="この手順はありません。", en="There is no such step.")
    if number > walk.steps_done + 1:
        raise Conflict(
            "simulator.step_order",
            ja=f"手順は順番に進めてください。次は手順{walk.steps_done + 1}です。",
            en=f"The steps go in order: step {walk.steps_done + 1} comes next.",
            detail={"step": number, "next": walk.steps_done + 1},
        )
