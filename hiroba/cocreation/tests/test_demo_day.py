"""The demo shows the loop working: the workshop's ideas went to the agency, which answered them; the tracker has
answered, open and declined requests."""

from __future__ import annotations

from typing import Any

import pytest

from hiroba.cocreation.models import AgencyRequest, RequestUpdate
from hiroba.cocreation.selectors import request_tracker
from hiroba.demo import demo_cocreation, demo_workshop_day

pytestmark = pytest.mark.django_db


def test_the_demo_workshop_day_sends_its_ideas_to_the_agency_which_answers(demo: Any) -> None:
    demo_cocreation()
    demo_workshop_day()
    demo_workshop_day()  # a second load changes nothing
    tracker = request_tracker()
    assert len(tracker.rows) == 7
    assert tracker.by_status == {"received": 1, "considering": 2, "planned": 1, "done": 2, "declined": 1}
    assert RequestUpdate.objects.count() == 6
    declined = AgencyRequest.objects.get(status="declined")
    assert declined.idea.title == "デジタルが苦手な人の代わりに窓口で操作したい"
    assert declined.updates.get().reason.startswith("暗証番号は本人以外に教えない")
