"""`activity_complete`: the service the card simulator calls when a trainee finishes it."""

from __future__ import annotations

import pytest

from hiroba.core.audit import Actor
from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.core.models import AuditRecord, Channel
from hiroba.core.tests.race import race
from hiroba.identity.models import User
from hiroba.learning.events import LearningEvent
from hiroba.learning.models import ActivityCompletion
from hiroba.learning.services import activity_complete


def _actor(username: str) -> Actor:
    return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)


@pytest.mark.django_db
def test_completion_is_recorded_once_and_audited_once(demo: list[tuple[str, str]]) -> None:
    # given
    counter = _actor("saku-counter")

    # when
    activity_complete(actor=counter, activity="simulator")
    activity_complete(actor=counter, activity="simulator")

    # then
    assert ActivityCompletion.objects.filter(staff__user__username="saku-counter", activity="simulator").count() == 1
    records = AuditRecord.objects.filter(tag=LearningEvent.ACTIVITY_COMPLETED, chain_id="202177")
    assert records.count() == 1
    assert records.get().data == {"activity": "simulator"}


@pytest.mark.django_db
def test_agency_staff_complete_on_the_platform_chain(demo: list[tuple[str, str]]) -> None:
    activity_complete(actor=_actor("agency"), activity="simulator")

    assert AuditRecord.objects.filter(tag=LearningEvent.ACTIVITY_COMPLETED, chain_id="platform").count() == 1


@pytest.mark.django_db
def test_residents_and_anonymous_visitors_are_refused(demo: list[tuple[str, str]]) -> None:
    resident = User.objects.create_user(username="not-staff", full_name="見本 住子", full_name_kana="みほん すみこ")
    for actor in (Actor.for_user(resident, channel=Channel.WEB), Actor(user=None, channel=Channel.WEB)):
        with pytest.raises(PermissionDenied) as refused:
            activity_complete(actor=actor, activity="simulator")
        assert refused.value.code == "learning.staff_only"
    assert not ActivityCompletion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "Simulator", "sim ulator", "-x", "x" * 41, "シミュレータ"])
def test_malformed_activity_names_are_refused(demo: list[tuple[str, str]], name: str) -> None:
    with pytest.raises(Invalid):
        activity_complete(actor=_actor("saku-counter"), activity=name)
    assert not ActivityCompletion.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_completions_make_one(demo: list[tuple[str, str]]) -> None:
    # given: two threads that finish the simulator for the same trainee at the same moment
    actor = _actor("saku-counter")

    # when
    results = race(lambda _: activity_complete(actor=actor, activity="simulator"), n=2)
    errors = [r for r in results if isinstance(r, BaseException)]

    # then
    assert errors == []
    assert ActivityCompletion.objects.filter(activity="simulator").count() == 1
    assert AuditRecord.objects.filter(tag=LearningEvent.ACTIVITY_COMPLETED).count() == 1
