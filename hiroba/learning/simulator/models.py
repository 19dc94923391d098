"""The simulator's own records: which town is the sandbox (tenancy's models are not changed for it), and each
trainee's walk through the resident journeys with the virtual card the simulator holds for them."""

from __future__ import annotations

import secrets
from enum import IntEnum

from django.conf import settings
from django.db import models
from django.db.models import F, Q

AUTH_PIN_TRIES = 3  # 利用者証明用電子証明書: a 4-digit PIN, locked after 3 wrong tries
SIGN_PASSWORD_TRIES = 5  # 署名用電子証明書: a 6-16 character password, locked after 5 wrong tries


class Step(IntEnum):
    ENROLL = 1
    SIGN_IN = 2
    CONVERT = 3
    PAY = 4
    PROXY = 5
    VOTE = 6


STEPS = len(Step)
# Every training card has the same, published secrets (shown on the pages): a training card has no value anywhere.
TRAINING_PIN = "1234"
TRAINING_PASSWORD = "RENSHU1"  # noqa: S105 (published on the simulator's pages, like the test rig's demo password)


def new_walk_id() -> str:
    return "w_" + secrets.token_hex(10)


class Sandbox(models.Model):
    """A municipality that exists only for training. Its presence here is what marks the town as a sandbox; the
    training CA that issues the trainees' virtual cards is trusted for this town and nowhere else."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", on_delete=models.PROTECT, primary_key=True, related_name="simulator_sandbox"
    )
    merchant_id = models.CharField(max_length=32)
    assisted_pairwise_id = models.CharField(max_length=64)
    # {"auth": {"certificate": PEM, "key": PEM}, "sign": {...}}: the training CA (never J-LIS, never the test rig)
    training_ca = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(merchant_id=""), name="simulator_sandbox_has_shop"),
            models.CheckConstraint(condition=~Q(assisted_pairwise_id=""), name="simulator_sandbox_has_assisted"),
        ]

    def __str__(self) -> str:
        return f"sandbox {self.municipality_id}"


class Walk(models.Model):
    """One trainee's walk through the six steps, with the virtual card issued for it. "Start over" ends the walk
    (it stays, with its sandbox resident and ledger history) and begins a new one."""

    id = models.CharField(max_length=32, primary_key=True, default=new_walk_id, editable=False)
    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="simulator_walks")
    sandbox = models.ForeignKey(Sandbox, on_delete=models.PROTECT, related_name="walks")
    current = models.BooleanField(default=True)
    name = models.CharField(max_length=50)  # the sandbox resident's name on the card
    card = models.TextField()  # hiroba-virtual-card/1 JSON: keys wrapped under the PIN and the password
    pin_tries_left = models.PositiveSmallIntegerField(default=AUTH_PIN_TRIES)
    password_tries_left = models.PositiveSmallIntegerField(default=SIGN_PASSWORD_TRIES)
    steps_done = models.PositiveSmallIntegerField(default=0)
    resident = models.ForeignKey("identity.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    enrollment = models.JSONField(default=dict, blank=True)  # signed, waiting for consent: credential and offer
    proxy_code = models.CharField(max_length=16, blank=True)
    delegation_id = models.CharField(max_length=40, blank=True)
    poll_uuid = models.CharField(max_length=40, blank=True)
    poll_credential = models.CharField(max_length=40, blank=True)  # the training polling letter's credential
    tracker = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee"], condition=Q(current=True), name="simulator_walk_one_current_per_trainee"
            ),
            models.CheckConstraint(
                condition=Q(pin_tries_left__lte=AUTH_PIN_TRIES), name="simulator_walk_pin_tries_at_most_3"
            ),
            models.CheckConstraint(
                condition=Q(password_tries_left__lte=SIGN_PASSWORD_TRIES),
                name="simulator_walk_password_tries_at_most_5",
            ),
            models.CheckConstraint(condition=Q(steps_done__lte=STEPS), name="simulator_walk_six_steps"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(steps_done=STEPS),
                name="simulator_walk_completed_after_last_step",
            ),
            models.CheckConstraint(
                condition=Q(steps_done=0) | Q(resident__isnull=False), name="simulator_walk_enrolled_after_step_1"
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("started_at")),
                name="simulator_walk_completed_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def next_step(self) -> int:
        return min(self.steps_done + 1, STEPS)
