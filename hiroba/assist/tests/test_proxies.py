"""Proxies: offered by the resident or the counter, accepted with the proxy's own sign-in, limited to scopes and a
term, revoked by the resident alone; the support-measure flag and a new certificate suspend them for review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hiroba.assist.models import Delegation, DelegationStatus, ProxyInvitation, Scope
from hiroba.assist.services import proxies
from hiroba.assist.tests.conftest import user_of, web
from hiroba.core.audit import Actor, audit_verify
from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import Person
from hiroba.identity.signals import credential_changed
from hiroba.wallet.models import PrintedCard
from hiroba.wallet.services import cards, money
from hiroba.wallet.tests.factories import OPERATOR

pytestmark = pytest.mark.django_db
PIN = "2580"


def offer(resident: Any, scopes: list[str], **kwargs: Any) -> str:
    ends_on = kwargs.pop("ends_on", timezone.localdate() + timedelta(days=90))
    _invitation, code = proxies.proxy_offer(
        resident=resident, scopes=scopes, ends_on=ends_on, actor=web(resident), **kwargs
    )
    return code


def registered(saku: dict[str, Any], scopes: list[str]) -> Delegation:
    father, daughter = saku["hanako"], saku["daughter"]
    code = offer(father, scopes)
    return proxies.proxy_accept(code=code, proxy=user_of(daughter), actor=web(daughter))


def refused(code: str, act: Any) -> AppError:
    with pytest.raises(AppError) as caught:
        act()
    assert caught.value.code == code, caught.value
    return caught.value


def funded(resident: Any, coins: int = 10_000) -> None:
    today = timezone.localdate()
    money.points_award(
        municipality=resident.municipality, awards=[(resident, coins)], key=f"aw:{resident.pk}", on=today, reason="t"
    )
    money.points_convert(resident=resident, points=coins, key=f"cv:{resident.pk}", on=today, actor=OPERATOR)


def card_pay(card: PrintedCard, shop: Any, amount: int, key: str) -> Any:
    return cards.card_pay(
        merchant_id=shop.pk, card_id=card.pk, pin=PIN, amount=amount, key=key, on=timezone.localdate(), actor=OPERATOR
    )


def test_a_proxy_accepts_with_their_own_sign_in_and_the_code_works_once(saku: dict[str, Any]) -> None:
    father, daughter = saku["hanako"], saku["daughter"]
    code = offer(father, ["balance", "pay_card"])
    assert len(code) == 11
    assert code[5] == "-"
    assert not ProxyInvitation.objects.filter(code_hash__contains=code).exists()  # only a hash is kept
    delegation = proxies.proxy_accept(code=code.lower(), proxy=user_of(daughter), actor=web(daughter))
    assert (delegation.resident, delegation.proxy, delegation.scopes) == (
        father,
        user_of(daughter),
        ["balance", "pay_card"],
    )
    assert delegation.basis == "resident"
    refused("assist.code_used", lambda: proxies.proxy_accept(code=code, proxy=user_of(daughter), actor=web(daughter)))
    refused(
        "assist.code_unknown",
        lambda: proxies.proxy_accept(code="AAAAA-AAAAA", proxy=user_of(daughter), actor=web(daughter)),
    )
    assert AuditRecord.objects.filter(tag="assist:proxy:registered").count() == 1
    assert AuditRecord.objects.filter(tag="assist:proxy:refused").count() == 2


def test_offers_refuse_bad_scopes_terms_and_oneself(saku: dict[str, Any]) -> None:
    father = saku["hanako"]
    refused("assist.scopes_required", lambda: offer(father, []))
    refused("assist.scope_unknown", lambda: offer(father, ["vote"]))  # a proxy never votes
    refused("assist.term", lambda: offer(father, ["balance"], ends_on=timezone.localdate() - timedelta(days=1)))
    refused("assist.term", lambda: offer(father, ["balance"], ends_on=timezone.localdate() + timedelta(days=4 * 365)))
    code = offer(father, ["balance"])
    refused("assist.self_proxy", lambda: proxies.proxy_accept(code=code, proxy=user_of(father), actor=web(father)))
    assert not Delegation.objects.exists()


def test_the_counter_needs_documentary_evidence(saku: dict[str, Any], demo: Any) -> None:
    from hiroba.identity.models import User

    clerk = Actor(
        user=User.objects.get(username="saku-admin"),
        channel=Channel.COUNTER,
        ref="user:clerk",
        acting_for=f"resident:{saku['hanako'].pairwise_id}",
    )
    ends = timezone.localdate() + timedelta(days=30)
    refused(
        "assist.evidence_required",
        lambda: proxies.proxy_offer(resident=saku["hanako"], scopes=["balance"], ends_on=ends, actor=clerk),
    )
    invitation, _code = proxies.proxy_offer(
        resident=saku["hanako"], scopes=["balance"], ends_on=ends, actor=clerk, evidence="委任状"
    )
    assert (invitation.basis, invitation.evidence) == ("counter", "委任状")


def test_a_proxy_card_pays_from_the_resident_and_stops_when_revoked(saku: dict[str, Any]) -> None:
    father, daughter = saku["hanako"], saku["daughter"]
    funded(father)
    delegation = registered(saku, ["balance", "pay_card"])
    own_card, _pdf = cards.card_issue(resident=father, pin="1470", daily_limit=5_000, actor=OPERATOR)
    proxy_card, pdf = cards.card_issue(
        resident=father, pin=PIN, daily_limit=3_000, actor=web(daughter), delegation=delegation
    )
    assert pdf.startswith(b"%PDF")
    assert PrintedCard.objects.get(pk=own_card.pk).status == "active"  # the proxy's card does not replace his
    payment = card_pay(proxy_card, saku["shops"]["202088"], 800, "p1")
    assert payment.journal.memo["delegation"] == delegation.pk
    proxies.proxy_revoke(delegation_id=delegation.pk, by=user_of(father), actor=web(father))
    refused("assist.delegation_revoked", lambda: card_pay(proxy_card, saku["shops"]["202088"], 500, "p2"))
    record = AuditRecord.objects.filter(tag="assist:proxy:refused").latest("occurred_at")
    assert record.data == {"code": "assist.delegation_revoked"}
    assert audit_verify()[1] == []


def test_a_proxy_card_without_the_pay_scope_does_not_pay(saku: dict[str, Any]) -> None:
    father = saku["hanako"]
    funded(father)
    delegation = registered(saku, ["balance", "pay_card"])
    card, _pdf = cards.card_issue(resident=father, pin=PIN, daily_limit=3_000, actor=OPERATOR, delegation=delegation)
    Delegation.objects.filter(pk=delegation.pk).update(scopes=["balance"])  # as if issued under an older grant
    refused("assist.scope_missing", lambda: card_pay(card, saku["shops"]["202177"], 100, "p1"))
    Delegation.objects.filter(pk=delegation.pk).update(
        scopes=["pay_card"],
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    refused("assist.delegation_ended", lambda: card_pay(card, saku["shops"]["202177"], 100, "p2"))
    Delegation.objects.filter(pk=delegation.pk).update(
        starts_on=timezone.localdate() + timedelta(days=1), ends_on=timezone.localdate() + timedelta(days=30)
    )
    refused("assist.delegation_not_started", lambda: card_pay(card, saku["shops"]["202177"], 100, "p3"))


def test_only_the_resident_or_the_proxy_can_end_a_delegation(saku: dict[str, Any]) -> None:
    delegation = registered(saku, ["balance"])
    stranger = saku["taro"]
    refused(
        "assist.delegation_unknown",
        lambda: proxies.proxy_revoke(delegation_id=delegation.pk, by=user_of(stranger), actor=web(stranger)),
    )
    proxies.proxy_revoke(delegation_id=delegation.pk, by=user_of(saku["daughter"]), actor=web(saku["daughter"]))
    delegation.refresh_from_db()
    assert (delegation.status, delegation.status_reason) == (DelegationStatus.REVOKED, "by_proxy")


def test_a_support_measure_blocks_new_proxies_and_suspends_existing_ones(saku: dict[str, Any]) -> None:
    father, daughter = saku["hanako"], saku["daughter"]
    delegation = registered(saku, ["balance"])
    pending = offer(father, ["balance"])  # offered before the flag, accepted after: still refused
    proxies.support_measure_set(resident=father, actor=OPERATOR)
    delegation.refresh_from_db()
    assert (delegation.status, delegation.status_reason) == (DelegationStatus.SUSPENDED, "support_measure")
    refused("assist.support_measure", lambda: offer(father, ["balance"]))
    refused(
        "assist.support_measure",
        lambda: proxies.proxy_accept(code=pending, proxy=user_of(saku["taro"]), actor=web(saku["taro"])),
    )
    refused(
        "assist.support_measure",
        lambda: proxies.proxy_review(
            delegation_id=delegation.pk, reinstate=True, by=user_of(father), actor=web(father), staff=False
        ),
    )
    refused(
        "assist.delegation_suspended",
        lambda: proxies.delegation_check(
            delegation_id=delegation.pk, scope=Scope.BALANCE, on=timezone.localdate(), actor=web(daughter)
        ),
    )
    assert AuditRecord.objects.filter(tag="assist:proxy:refused", data__code="assist.support_measure").count() == 3
    proxies.support_measure_lift(resident=father, actor=OPERATOR)
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.SUSPENDED  # lifting the flag reinstates nobody by itself
    proxies.proxy_review(
        delegation_id=delegation.pk, reinstate=True, by=user_of(father), actor=web(father), staff=False
    )
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.ACTIVE


def test_a_new_certificate_puts_the_persons_delegations_up_for_review(saku: dict[str, Any]) -> None:
    delegation = registered(saku, ["balance"])
    person = Person.objects.get(user=user_of(saku["hanako"]))
    credential_changed.send(sender=Person, person=person, actor=OPERATOR)
    delegation.refresh_from_db()
    assert (delegation.status, delegation.status_reason) == (DelegationStatus.SUSPENDED, "credential_changed")
    assert AuditRecord.objects.filter(tag="assist:proxy:suspended", data__reason="credential_changed").exists()
