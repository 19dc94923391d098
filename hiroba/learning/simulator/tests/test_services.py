"""The simulator's services: the sandbox, a whole walk through the real services, the card's PIN rules, order,
ownership and — above all — that nothing reaches real towns, and that a training card is refused by real sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count, Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity import jpki
from hiroba.identity.models import ChallengePurpose, Resident, User
from hiroba.identity.services import CardProof, challenge_issue, jpki_sign_in
from hiroba.learning.models import ActivityCompletion
from hiroba.learning.simulator import selectors, services, trainingca
from hiroba.learning.simulator.models import Sandbox, Walk
from hiroba.ledger.models import Journal, Posting
from hiroba.tenancy import lgcode
from hiroba.tenancy.models import Municipality
from hiroba.wallet.models import Merchant

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
REAL_TOWNS = ["202177", "202088", "203238", "203246", "111007", "122076", "132080"]


def walk_all(actor: Actor) -> Walk:
    """Every step with the published training secrets, as a trainee who makes no mistake would."""
    walk = services.walk_start(actor=actor)
    services.step_enroll_sign(actor=actor, walk=walk, pin="1234", password="renshu1", origin=ORIGIN)
    services.step_enroll_consent(actor=actor, walk=walk, consented=True, notice_text="notice", language="ja")
    services.step_sign_in(actor=actor, walk=walk, pin="1234", origin=ORIGIN)
    services.step_convert(actor=actor, walk=walk, points=1000)
    services.step_pay(actor=actor, walk=walk, qr=services.shop_payload(walk), amount=300)
    code = services.step_proxy_offer(actor=actor, walk=walk, scopes=["balance", "convert"], evidence="委任状")
    services.step_proxy_accept(actor=actor, walk=walk, code=code, pin="1234", origin=ORIGIN)
    services.step_vote(actor=actor, walk=walk, choice=1)
    walk.refresh_from_db()
    return walk


def real_state() -> dict[str, Any]:
    """What a walk must never change: the real towns' residents, ledgers (journals and postings by chain) and shops."""
    return {
        "residents": dict(
            Resident.objects.filter(municipality_id__in=REAL_TOWNS)
            .values_list("municipality_id")
            .annotate(n=Count("pk"))
            .values_list("municipality_id", "n")
        ),
        "journals": dict(
            Journal.objects.exclude(chain__in=["renshu", services.SANDBOX_LG_CODE])
            .values_list("chain")
            .annotate(n=Count("pk"))
            .values_list("chain", "n")
        ),
        "postings": Posting.objects.exclude(journal__chain__in=["renshu", services.SANDBOX_LG_CODE]).aggregate(
            n=Count("pk"), total=Sum("amount")
        ),
        "merchants": Merchant.objects.exclude(municipality_id=services.SANDBOX_LG_CODE).count(),
        "ledger_audit": AuditRecord.objects.filter(chain_id__in=REAL_TOWNS, tag__startswith="wallet:").count(),
    }


# ------------------------------------------------------------------------------------------------ the sandbox


def test_sandbox_lg_code_is_valid_and_not_a_real_body_number() -> None:
    assert lgcode.validate(services.SANDBOX_LG_CODE) == services.SANDBOX_LG_CODE
    assert int(services.SANDBOX_LG_CODE[2:5]) >= 900  # outside every range JIS X 0402 assigns


def test_sandbox_ensure_is_idempotent_and_marks_the_town(db: None) -> None:
    first = services.simulator_sandbox_ensure()
    second = services.simulator_sandbox_ensure()
    assert first.pk == second.pk == services.SANDBOX_LG_CODE
    assert Sandbox.objects.count() == 1
    assert Municipality.objects.filter(lg_code=services.SANDBOX_LG_CODE).count() == 1
    assert Merchant.objects.filter(municipality_id=services.SANDBOX_LG_CODE).count() == 1
    assert selectors.is_sandbox(lg_code=services.SANDBOX_LG_CODE)
    assert not selectors.is_sandbox(lg_code="202177")
    town = Municipality.objects.get(lg_code=services.SANDBOX_LG_CODE)
    assert town.currency_area is not None
    assert town.currency_area.slug == "renshu"


# ------------------------------------------------------------------------------------------------ a whole walk


def test_a_whole_walk_uses_the_real_services_in_the_sandbox_only(trainee: Actor) -> None:
    # given the real towns' state
    services.simulator_sandbox_ensure()
    before = real_state()
    # when the trainee walks every step
    walk = walk_all(trainee)
    # then the walk is complete and the learning app knows it
    assert walk.steps_done == 6
    assert walk.completed_at is not None
    assert ActivityCompletion.objects.filter(staff__user=trainee.user, activity="simulator").exists()
    # and the sandbox resident is a resident of the training town, with the coins left after paying
    assert walk.resident_id is not None
    resident = Resident.objects.get(pk=walk.resident_id)
    assert resident.municipality_id == services.SANDBOX_LG_CODE
    view = selectors.walk_wallet(walk=walk)
    assert view is not None
    assert (view.points, view.coins) == (0, 700)
    # and the acts were recorded in the training town's chain
    tags = set(AuditRecord.objects.filter(chain_id=services.SANDBOX_LG_CODE).values_list("tag", flat=True))
    assert {
        "identity:resident:enrolled",
        "identity:signin:resident",
        "wallet:points:converted",
        "wallet:payment:made",
        "assist:proxy:offered",
        "assist:proxy:registered",
        "voting:ballot:cast",
        "simulator:walk:completed",
    } <= tags
    assert walk.tracker
    # and nothing of the real towns changed: residents, ledgers, shops, their wallet audit
    assert real_state() == before


def test_start_over_gives_a_new_card_and_resident_and_keeps_history(trainee: Actor) -> None:
    first = walk_all(trainee)
    journals = Journal.objects.filter(chain="renshu").count()
    again = services.walk_start(actor=trainee)
    first.refresh_from_db()
    assert not first.current
    assert again.current
    assert again.card != first.card
    assert again.steps_done == 0
    services.step_enroll_sign(actor=trainee, walk=again, pin="1234", password="RENSHU1", origin=ORIGIN)
    services.step_enroll_consent(actor=trainee, walk=again, consented=True, notice_text="n", language="ja")
    again.refresh_from_db()
    assert again.resident_id != first.resident_id
    assert Journal.objects.filter(chain="renshu").count() == journals  # nothing was deleted


# ------------------------------------------------------------------------------------------------ the card


def test_wrong_pins_count_down_lock_and_reset_at_the_counter(trainee: Actor) -> None:
    walk = services.walk_start(actor=trainee)
    for left in (2, 1):
        with pytest.raises(AppError) as wrong:
            services.step_enroll_sign(actor=trainee, walk=walk, pin="9999", password="RENSHU1", origin=ORIGIN)
        assert wrong.value.code == "simulator.pin_wrong"
        assert wrong.value.status == 422
        assert wrong.value.detail["tries_left"] == left
    with pytest.raises(AppError) as locked:
        services.step_enroll_sign(actor=trainee, walk=walk, pin="9999", password="RENSHU1", origin=ORIGIN)
    assert locked.value.code == "simulator.pin_locked"
    assert locked.value.status == 409
    assert "窓口" in locked.value.message_ja
    # even the right PIN is refused while locked
    with pytest.raises(AppError) as still:
        services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)
    assert still.value.code == "simulator.pin_locked"
    walk = services.card_counter_reset(actor=trainee, walk=walk, secret="pin")
    assert walk.pin_tries_left == 3
    services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)
    assert services.enrollment_pending(walk) is not None


def test_a_right_pin_restores_the_tries_and_a_malformed_one_does_not_count(trainee: Actor) -> None:
    walk = services.walk_start(actor=trainee)
    with pytest.raises(AppError) as malformed:
        services.step_enroll_sign(actor=trainee, walk=walk, pin="12a", password="RENSHU1", origin=ORIGIN)
    assert malformed.value.code == "simulator.pin_format"
    with pytest.raises(AppError):
        services.step_enroll_sign(actor=trainee, walk=walk, pin="0000", password="RENSHU1", origin=ORIGIN)
    walk.refresh_from_db()
    assert walk.pin_tries_left == 2
    services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)
    walk.refresh_from_db()
    assert walk.pin_tries_left == 3


def test_the_signature_password_has_five_tries(trainee: Actor) -> None:
    walk = services.walk_start(actor=trainee)
    codes = []
    for _ in range(5):
        with pytest.raises(AppError) as wrong:
            services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="WRONG99", origin=ORIGIN)
        codes.append((wrong.value.code, wrong.value.detail.get("tries_left")))
    assert codes == [("simulator.password_wrong", n) for n in (4, 3, 2, 1)] + [("simulator.password_locked", 0)]
    walk.refresh_from_db()
    assert walk.pin_tries_left == 3  # the PIN was right every time


def expected_tries(entries: list[bool], *, full: int = 3) -> list[tuple[str, int]]:
    """The card's rule, on its own: a wrong PIN takes a try, a right one gives them all back, none left is locked
    (and stays locked, right PIN or not, until the counter resets it)."""
    left, outcomes = full, []
    for right in entries:
        if left == 0:
            outcomes.append(("simulator.pin_locked", 0))
        elif right:
            left = full
            outcomes.append(("ok", left))
        else:
            left -= 1
            outcomes.append(("simulator.pin_locked" if left == 0 else "simulator.pin_wrong", left))
    return outcomes


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.booleans(), max_size=6))
def test_the_pin_counter_follows_the_cards_rule(trainee: Actor, entries: list[bool]) -> None:
    walk = Walk.objects.filter(trainee=trainee.user, current=True).first() or services.walk_start(actor=trainee)
    walk = services.card_counter_reset(actor=trainee, walk=walk, secret="pin")
    outcomes: list[tuple[str, int]] = []
    for right in entries:
        try:
            services.step_enroll_sign(
                actor=trainee, walk=walk, pin="1234" if right else "4321", password="RENSHU1", origin=ORIGIN
            )
        except AppError as refused:
            outcomes.append((refused.code, int(refused.detail.get("tries_left", -1))))
        else:
            walk.refresh_from_db()
            outcomes.append(("ok", walk.pin_tries_left))
        walk.refresh_from_db()
    assert outcomes == expected_tries(entries)


def test_training_card_is_refused_by_real_sign_in(trainee: Actor, rig: Any) -> None:
    # given a training card, and the real sign-in configured with the (test rig's) JPKI anchors
    walk = services.walk_start(actor=trainee)
    card = jpki.VirtualCard.from_json(walk.card)
    nonce = challenge_issue(session_key="s" * 32, purpose=ChallengePurpose.SIGN_IN)
    certificate, signature = card.authenticate(pin="1234", origin=ORIGIN, nonce=nonce)
    # when it answers a real challenge
    with pytest.raises(AppError) as refused:
        jpki_sign_in(
            proof=CardProof(certificate=certificate, signature=signature, nonce=nonce),
            origin=ORIGIN,
            session_key="s" * 32,
            ip="127.0.0.1",
        )
    # then the real verifier does not know its issuer
    assert refused.value.code == "jpki.unknown_issuer"


def test_training_card_is_refused_by_real_sign_in_without_the_rig(trainee: Actor, settings: Any) -> None:
    settings.TEST_RIG = False  # production: the simulator still works, the real sign-in still refuses
    from hiroba.identity.services.jpki import jpki_config_reset

    jpki_config_reset()
    walk = services.walk_start(actor=trainee)
    services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)
    card = jpki.VirtualCard.from_json(walk.card)
    nonce = challenge_issue(session_key="t" * 32, purpose=ChallengePurpose.SIGN_IN)
    certificate, signature = card.authenticate(pin="1234", origin=ORIGIN, nonce=nonce)
    with pytest.raises(AppError) as refused:
        jpki_sign_in(
            proof=CardProof(certificate=certificate, signature=signature, nonce=nonce),
            origin=ORIGIN,
            session_key="t" * 32,
            ip="127.0.0.1",
        )
    assert refused.value.status == 401
    jpki_config_reset()


def test_a_card_from_another_ca_is_refused_by_the_simulator(trainee: Actor, rig: Any) -> None:
    walk = services.walk_start(actor=trainee)
    _, rig_ca = rig.directory, rig.ca
    foreign = jpki.issue_virtual_card(
        rig_ca,
        name="練習 花子",
        birth_date=timezone.localdate().replace(year=1990),
        sex="2",
        address=services.SANDBOX_ADDRESS,
        now=timezone.now(),
        iterations=10_000,
    )
    Walk.objects.filter(pk=walk.pk).update(card=foreign.to_json())
    walk.refresh_from_db()
    with pytest.raises(AppError) as refused:
        services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="ABC123", origin=ORIGIN)
    assert refused.value.code == "jpki.unknown_issuer"


def test_training_ca_is_not_the_rig_ca(db: None) -> None:
    sandbox = services.simulator_sandbox_ensure()
    ca = trainingca.training_ca_load(sandbox.training_ca)
    for anchor in ca.anchors(jpki.CertificateKind.AUTH):
        assert "Hiroba training" in anchor.subject.rfc4514_string()


# ------------------------------------------------------------------------------------------------ bad input


def test_steps_go_in_order(trainee: Actor) -> None:
    walk = services.walk_start(actor=trainee)
    with pytest.raises(AppError) as early:
        services.step_sign_in(actor=trainee, walk=walk, pin="1234", origin=ORIGIN)
    assert (early.value.code, early.value.status) == ("simulator.step_order", 409)
    with pytest.raises(AppError) as unsigned:
        services.step_enroll_consent(actor=trainee, walk=walk, consented=True, notice_text="n", language="ja")
    assert unsigned.value.code == "simulator.sign_first"
    services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)
    with pytest.raises(AppError) as refused:
        services.step_enroll_consent(actor=trainee, walk=walk, consented=False, notice_text="n", language="ja")
    assert refused.value.code == "identity.consent_required"
    services.step_enroll_consent(actor=trainee, walk=walk, consented=True, notice_text="n", language="ja")
    with pytest.raises(AppError) as twice:
        services.step_enroll_consent(actor=trainee, walk=walk, consented=True, notice_text="n", language="ja")
    assert twice.value.code == "simulator.step_done"


def test_another_trainees_walk_is_refused(trainee: Actor, other_trainee: Actor) -> None:
    walk = services.walk_start(actor=trainee)
    with pytest.raises(AppError) as refused:
        selectors.walk_get(actor=other_trainee, walk_id=walk.pk)
    assert (refused.value.code, refused.value.status) == ("simulator.walk_not_yours", 403)


def test_residents_and_anonymous_visitors_are_refused(demo: Any) -> None:
    from hiroba.identity.tests.factories import make_resident

    resident = make_resident("202177", "見本 花子")
    assert resident.person is not None
    for actor in (
        Actor.for_user(resident.person.user, channel=Channel.WEB),
        Actor(user=None, channel=Channel.WEB, ref="anonymous"),
    ):
        with pytest.raises(AppError) as refused:
            services.walk_start(actor=actor)
        assert (refused.value.code, refused.value.status) == ("simulator.staff_only", 403)


def test_the_qr_must_be_the_training_shops(trainee: Actor) -> None:
    walk = services.walk_start(actor=trainee)
    services.step_enroll_sign(actor=trainee, walk=walk, pin="1234", password="RENSHU1", origin=ORIGIN)
    services.step_enroll_consent(actor=trainee, walk=walk, consented=True, notice_text="n", language="ja")
    services.step_sign_in(actor=trainee, walk=walk, pin="1234", origin=ORIGIN)
    with pytest.raises(AppError) as step:
        services.step_convert(actor=trainee, walk=walk, points=150)
    assert step.value.code == "wallet.conversion_step"
    services.step_convert(actor=trainee, walk=walk, points=500)
    with pytest.raises(AppError) as unreadable:
        services.step_pay(actor=trainee, walk=walk, qr="not a code", amount=100)
    assert unreadable.value.code == "simulator.qr_unreadable"
    real_shop = Merchant.objects.exclude(municipality_id=services.SANDBOX_LG_CODE).first()
    if real_shop is not None:
        from hiroba.wallet.services import payments

        with pytest.raises(AppError) as other:
            services.step_pay(actor=trainee, walk=walk, qr=payments.merchant_qr(real_shop), amount=100)
        assert other.value.code == "simulator.qr_not_training_shop"
    with pytest.raises(AppError) as poor:
        services.step_pay(actor=trainee, walk=walk, qr=services.shop_payload(walk), amount=600)
    assert poor.value.code == "wallet.insufficient"


def test_sandbox_never_appears_in_real_towns_selectors(trainee: Actor) -> None:
    from hiroba.identity.selectors import resident_list

    walk = walk_all(trainee)
    assert walk.resident_id is not None
    resident = Resident.objects.get(pk=walk.resident_id)
    for town in REAL_TOWNS:
        assert resident.pairwise_id not in {row.pairwise_id for row in resident_list(lg_code=town)}
    assert not AuditRecord.objects.filter(chain_id__in=REAL_TOWNS, tag__startswith="simulator:").exists()
    real_records = AuditRecord.objects.filter(chain_id__in=REAL_TOWNS).values_list("subject", "data")
    assert not [r for r in real_records if resident.pairwise_id in f"{r[0]} {r[1]}"]


def test_the_sandbox_resident_has_no_password_and_no_session(trainee: Actor) -> None:
    walk = walk_all(trainee)
    assert walk.resident_id is not None
    user = User.objects.get(person__residencies__pk=walk.resident_id)
    assert not user.has_usable_password()


def test_real_towns_statistics_are_unchanged_by_a_walk(trainee: Actor) -> None:
    from hiroba.health.selectors import agency_rollup
    from hiroba.tenancy.selectors import staff_scope

    agency = staff_scope(user=User.objects.get(username="agency"))
    today = timezone.localdate()
    services.simulator_sandbox_ensure()
    before = [row for row in agency_rollup(scope=agency, today=today) if row.lg_code in REAL_TOWNS]
    walk_all(trainee)
    after = [row for row in agency_rollup(scope=agency, today=today) if row.lg_code in REAL_TOWNS]
    assert after == before
    sandbox_rows = [r for r in agency_rollup(scope=agency, today=today) if r.lg_code == services.SANDBOX_LG_CODE]
    assert all(r.participants is None for r in sandbox_rows)  # no health data: nothing to count


def test_the_training_area_is_never_a_real_one(demo: Any) -> None:
    from hiroba.tenancy.services import area_add_municipality, area_create

    area_create(slug="renshu", name="x", name_en="x", currency_name="x", actor=Actor.command_line())
    area_add_municipality(slug="renshu", lg_code="122076", actor=Actor.command_line())
    with pytest.raises(AppError) as refused:
        services.simulator_sandbox_ensure()
    assert refused.value.code == "simulator.area_taken"
    assert not Sandbox.objects.exists()


def test_demo_is_idempotent(demo: Any) -> None:
    from hiroba.learning.simulator.demo import demo_simulator

    first = demo_simulator()
    records = AuditRecord.objects.count()
    assert demo_simulator() == first == services.SANDBOX_LG_CODE
    assert AuditRecord.objects.count() == records  # the second time writes nothing
