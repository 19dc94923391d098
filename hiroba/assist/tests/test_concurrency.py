"""Proxies and the support-measure flag racing, on PostgreSQL with real threads: whatever the order, a flagged
resident is left with no active proxy, and two acceptances of one code make one delegation."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from hiroba.assist.models import Delegation, DelegationStatus
from hiroba.assist.services import proxies
from hiroba.assist.tests.conftest import user_of, web
from hiroba.core.audit import audit_verify
from hiroba.core.errors import AppError
from hiroba.identity.models import Resident
from hiroba.identity.tests.factories import make_resident
from hiroba.wallet.tests.factories import OPERATOR

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*acts: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(acts))
    outcomes: list[object] = []

    def run(act: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes.append(act())
        except Exception as error:  # noqa: BLE001 (handed back to the test)
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(act,)) for act in acts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def accept(code: str, helper: Resident) -> Delegation:
    return proxies.proxy_accept(code=code, proxy=user_of(helper), actor=web(helper))


def test_acceptances_racing_the_flag_leave_no_active_proxy(demo: Any) -> None:
    father = make_resident("202177", "見本 父")
    helpers = [make_resident("202088", f"見本 {n}") for n in ("一", "二", "三", "四", "五")]
    ends = timezone.localdate() + timedelta(days=30)
    codes = [
        proxies.proxy_offer(resident=father, scopes=["balance"], ends_on=ends, actor=web(father))[1] for _ in helpers
    ]
    acts = [functools.partial(accept, code, helper) for code, helper in zip(codes, helpers, strict=True)]
    outcomes = race(*acts, lambda: proxies.support_measure_set(resident=father, actor=OPERATOR))
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, AppError)]
    assert not unexpected, unexpected
    refused = [o for o in outcomes if isinstance(o, AppError)]
    assert all(o.code == "assist.support_measure" for o in refused)
    assert not Delegation.objects.filter(resident=father, status=DelegationStatus.ACTIVE).exists()
    accepted = Delegation.objects.filter(resident=father).count()
    assert accepted + len(refused) == len(helpers)
    assert audit_verify()[1] == []


def test_one_code_accepted_twice_at_once_makes_one_delegation(demo: Any) -> None:
    father, daughter = make_resident("202177", "見本 父"), make_resident("202088", "見本 娘")
    ends = timezone.localdate() + timedelta(days=30)
    code = proxies.proxy_offer(resident=father, scopes=["balance"], ends_on=ends, actor=web(father))[1]
    outcomes = race(*[functools.partial(accept, code, daughter)] * 4)
    assert Delegation.objects.filter(resident=father).count() == 1
    assert sorted(o.code for o in outcomes if isinstance(o, AppError)) == ["assist.code_used"] * 3
