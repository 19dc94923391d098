"""The sandbox: the training town (ひろば練習町) and what it holds — its currency area and budget, the training
shop, the assisted resident and the training CA — set up once, with the operator's authority, and recorded as the
simulator.

The set-up is a series of other apps' durable services (tenancy's registration, wallet's merchants and budget,
identity's enrollment), so it cannot be one transaction: one set-up runs at a time (a PostgreSQL advisory lock, or
a process lock on SQLite) and each of its steps finds what an earlier or racing set-up already made.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import date, datetime
from typing import Final

from django.db import connection, transaction
from django.utils import timezone

from hiroba.assist.models import Scope
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import Conflict
from hiroba.core.fiscal import fiscal_year
from hiroba.core.models import Channel
from hiroba.identity import jpki
from hiroba.identity.models import Resident, ResidentStatus
from hiroba.identity.services import resident_enroll
from hiroba.identity.services.jpki import pending_credential
from hiroba.identity.services.residents import EnrollmentOffer, PendingCredential, enrollment_offer
from hiroba.learning.simulator import trainingca
from hiroba.learning.simulator.events import SimulatorEvent
from hiroba.learning.simulator.models import TRAINING_PASSWORD, TRAINING_PIN, Sandbox
from hiroba.tenancy import services as tenancy
from hiroba.tenancy.models import CurrencyArea, Municipality
from hiroba.wallet.models import AreaSettings, Merchant, MerchantStatus
from hiroba.wallet.services import merchants, money

# The training town. 13 is 東京都 (where the Digital Agency sits); the body number 999 lies outside every range
# JIS X 0402 assigns (100-199 designated cities and wards, 200s cities, 300-799 towns and villages by county, the
# highest in use being Hokkaido's 700), so no real municipality can ever have it. Check digit: 1399 9 → 8.
SANDBOX_LG_CODE: Final = "139998"
SANDBOX_NAME: Final = "ひろば練習町"
SANDBOX_NAME_KANA: Final = "ひろばれんしゅうまち"
SANDBOX_NAME_EN: Final = "Hiroba Practice Town"
SANDBOX_AREA: Final = "renshu"
SANDBOX_ADDRESS: Final = "東京都ひろば練習町1丁目"
SHOP_NAME: Final = "ひろば練習商店"
SHOP_ROMAN: Final = "HIROBA RENSHU SHOTEN"
ASSISTED_NAME: Final = "練習 ハル"
ASSISTED_BIRTH: Final = date(1940, 4, 1)
TRAINING_POINTS: Final = 1000
BUDGET: Final = 100_000_000
POLL_QUESTION: Final = "ひろば練習町の公園に置きたいものは(練習用)"
POLL_ANSWERS: Final = ("ベンチ", "花壇", "遊具")
PROXY_SCOPES: Final = (Scope.BALANCE, Scope.CONVERT)

# The sandbox is set up with the operator's authority (as `hiroba demo` is), recorded as the simulator.
_SYSTEM: Final = Actor(user=None, channel=Channel.CLI, ref="simulator")


def _sandbox_town() -> Municipality:
    """The town and its area, registered as the agency would; a trainee racing another one's first visit finds
    them registered (the refusal "already exists" is the answer it needed)."""
    if not Municipality.objects.filter(lg_code=SANDBOX_LG_CODE).exists():
        try:
            tenancy.municipality_register(
                lg_code=SANDBOX_LG_CODE,
                name=SANDBOX_NAME,
                name_kana=SANDBOX_NAME_KANA,
                name_en=SANDBOX_NAME_EN,
                actor=_SYSTEM,
                training=True,
            )
        except Conflict as refused:
            if refused.code != "tenancy.municipality.exists":
                raise
    if not CurrencyArea.objects.filter(slug=SANDBOX_AREA).exists():
        try:
            tenancy.area_create(
                slug=SANDBOX_AREA,
                name="ひろば練習圏(研修用)",
                name_en="Hiroba practice area (training)",
                currency_name="練習コイン",
                actor=_SYSTEM,
            )
        except Conflict as refused:
            if refused.code != "tenancy.area.exists":
                raise
    if Municipality.objects.filter(currency_area__slug=SANDBOX_AREA).exclude(lg_code=SANDBOX_LG_CODE).exists():
        raise Conflict(  # never put the training town into a real area (nor a real town into training)
            "simulator.area_taken",
            ja=f"地域通貨圏「{SANDBOX_AREA}」は練習用ではない市区町村が使っています。",
            en=f"The currency area {SANDBOX_AREA!r} has real municipalities: it cannot be the training area.",
        )
    town = tenancy.area_add_municipality(slug=SANDBOX_AREA, lg_code=SANDBOX_LG_CODE, actor=_SYSTEM)
    AreaSettings.objects.get_or_create(
        area=CurrencyArea.objects.get(slug=SANDBOX_AREA), defaults={"operator_name": "ひろば練習圏(研修用)"}
    )
    return town


def _sandbox_shop(town: Municipality) -> str:
    shop = Merchant.objects.filter(municipality=town, name=SHOP_NAME).order_by("created_at", "pk").first()
    if shop is None:
        shop = merchants.merchant_apply(
            municipality=town,
            name=SHOP_NAME,
            name_roman=SHOP_ROMAN,
            address=f"{SANDBOX_ADDRESS}2-3",
            mcc="5411",
            bank_code="1390",
            branch_code="001",
            account_type=1,
            account_number="1000999",
            holder_name="HIROBARENSHU",
            actor=_SYSTEM,
        )
    if shop.status != MerchantStatus.APPROVED:
        merchants.merchant_approve(merchant_id=shop.pk, actor=_SYSTEM)
    return str(shop.pk)


def _enroll_with_card(
    ca: jpki.TestCa, card: jpki.VirtualCard, *, now: datetime
) -> tuple[PendingCredential, EnrollmentOffer]:
    """What enrollment verifies (the authentication and the signature certificate, each over a fresh challenge),
    with the training CA as the only anchor."""
    config = trainingca.training_config(ca)
    revocation = trainingca.training_revocation(ca, now=now)
    auth_nonce, sign_nonce = jpki.new_nonce(), jpki.new_nonce()
    origin = "simulator"
    auth = jpki.verify_authentication(
        certificate_der=card.auth_certificate_der,
        signature=card.sign_auth(TRAINING_PIN, jpki.signed_data(origin=origin, nonce=auth_nonce)),
        origin=origin,
        nonce=auth_nonce,
        config=config,
        at=now,
        revocation=revocation,
    )
    data = jpki.signed_data(origin=origin, nonce=sign_nonce)
    sign = jpki.verify_signing(
        certificate_der=card.sign_certificate_der,
        signature=card.sign_sign(TRAINING_PASSWORD, data),
        data=data,
        config=config,
        at=now,
        revocation=revocation,
    )
    facts = jpki.read_basic_facts(sign.certificate)
    offer = enrollment_offer(name=facts.name, birth_date=facts.birth_date, address=facts.address)
    return pending_credential(auth, card.token), offer


def _assisted_resident(ca: jpki.TestCa) -> str:
    """The assisted resident of step 5 (an older resident who asks for a proxy), enrolled once with a card of her
    own from the training CA, like every sandbox resident."""
    now = timezone.now()
    card = trainingca.training_card_issue(
        ca,
        name=ASSISTED_NAME,
        birth_date=ASSISTED_BIRTH,
        address=f"{SANDBOX_ADDRESS}5-1",
        now=now,
        pin=TRAINING_PIN,
        password=TRAINING_PASSWORD,
    )
    credential, offer = _enroll_with_card(ca, card, now=now)
    user = resident_enroll(
        credential=credential,
        offer=offer,
        consented=True,
        notice_text="simulator: the assisted resident of the training town",
        language="ja",
        actor=_SYSTEM,
    )
    resident = Resident.objects.get(person__user=user, status=ResidentStatus.ACTIVE)
    return resident.pairwise_id


_ENSURE_LOCK = threading.Lock()
_ADVISORY_KEY: Final = 0x5_1A_1A  # pg_advisory_lock key of the sandbox's set-up ("SIM")


@contextlib.contextmanager
def _set_up_alone() -> Iterator[None]:
    """One set-up at a time. The set-up is a series of other apps' durable services, so no one transaction can
    hold a lock across it: PostgreSQL's session-level advisory lock does (across workers), a process lock does
    for SQLite, whose deployments run one process."""
    with _ENSURE_LOCK:
        if connection.vendor != "postgresql":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_ADVISORY_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_KEY])


def simulator_sandbox_ensure() -> Sandbox:
    """The training town, its currency area, budget, shop and assisted resident, and the training CA. Idempotent:
    called by the demo and by every walk's start (a new fiscal year gets its budget then)."""
    with _set_up_alone():
        town = _sandbox_town()
        shop = _sandbox_shop(town)
        today = timezone.localdate()
        money.budget_appropriate(
            municipality=town,
            year=fiscal_year(today),
            amount=BUDGET,
            key=f"simulator:budget:{SANDBOX_LG_CODE}:{fiscal_year(today)}",
            actor=_SYSTEM,
        )
        sandbox = Sandbox.objects.filter(municipality=town).first()
        if sandbox is not None:
            return sandbox
        stored = trainingca.training_ca_make(now=timezone.now())
        assisted = _assisted_resident(trainingca.training_ca_load(stored))
        with transaction.atomic():
            sandbox = Sandbox.objects.create(
                municipality=town, merchant_id=shop, assisted_pairwise_id=assisted, training_ca=stored
            )
            audit_record(
                tag=SimulatorEvent.SANDBOX_CREATED,
                actor=_SYSTEM,
                subject=f"sandbox:{town.lg_code}",
                data={"merchant": shop},
                municipality=town.lg_code,
            )
        return sandbox
