"""The demo's assist data: a resident without a smartphone, his printed card, his daughter as proxy with her own
card, and outreach with one logged call."""

from __future__ import annotations

from datetime import date
from typing import Any

from hiroba.assist.models import Delegation, OutreachContact
from hiroba.demo import demo_assist, demo_rig
from hiroba.wallet.models import PrintedCard

TODAY = date(2026, 11, 26)


def test_the_demo_has_a_proxy_with_a_card_and_a_logged_call_and_loading_again_changes_nothing(
    rig: Any, demo: Any
) -> None:
    demo_rig()
    demo_assist(TODAY)
    delegation = Delegation.objects.get()
    assert delegation.proxy.full_name == "見本 歩美"
    assert delegation.resident.person is not None
    assert delegation.resident.person.user.full_name == "見本 一歩"
    assert PrintedCard.objects.filter(delegation=delegation).count() == 1
    assert PrintedCard.objects.filter(delegation__isnull=True, resident=delegation.resident).count() == 1
    assert OutreachContact.objects.count() == 1
    demo_assist(TODAY)
    assert (Delegation.objects.count(), PrintedCard.objects.count(), OutreachContact.objects.count()) == (1, 2, 1)
