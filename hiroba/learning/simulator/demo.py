"""Demo data of the card simulator: the training town, ready before the first trainee arrives. Loading twice
changes nothing (the services are idempotent)."""

from __future__ import annotations

from hiroba.learning.simulator.services import simulator_sandbox_ensure


def demo_simulator() -> str:
    """Ensure the sandbox (ひろば練習町, its training coin area, shop, assisted resident and training CA); returns
    the sandbox's lg_code. Staff of any demo town then open /learning/simulator/."""
    return simulator_sandbox_ensure().municipality_id
