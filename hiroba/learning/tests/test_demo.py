"""The learning demo gives Saku's admin a roll-up with something in it, and loading it twice changes nothing."""

from __future__ import annotations

import pytest

from hiroba.core.models import AuditRecord
from hiroba.identity.models import User
from hiroba.learning.demo import demo_learning
from hiroba.learning.selectors import course_get, learning_rollup
from hiroba.tenancy.selectors import staff_scope


@pytest.mark.django_db
def test_the_demo_fills_the_rollup_once(demo: object) -> None:
    demo_learning()
    records = AuditRecord.objects.count()
    demo_learning()
    assert AuditRecord.objects.count() == records

    scope = staff_scope(user=User.objects.get(username="saku-admin"))
    rollup = learning_rollup(scope=scope, lg_code="202177", course=course_get(slug="mynumber-card"))
    assert rollup.town.started == 3
    assert rollup.town.completed == rollup.town.badges == 1
    assert rollup.town.quiz_passed == 1
