"""Writes of the card simulator. Each journey step calls the owning app's own service — identity's enrollment,
wallet's points, conversion and QR payment, assist's proxies, voting's ballots — against the sandbox town only.

What the simulator adds is the card: it holds each trainee's virtual card server-side, counts wrong PINs (3 tries
for the 4-digit PIN, 5 for the signature password) as the real card does, and answers the JPKI challenge with it.
The answer is then verified by the jpki package's own verifier (path, policy, key usage, CRL, signature) with
the training CA as the only trust anchor; whatever it verifies must then belong to the sandbox town.

The step services orchestrate several durable services of other apps, so they cannot be one transaction
themselves: each of the simulator's own writes is a short `atomic` block with its audit record, and every other
app's write is keyed by the walk (idempotency keys), so that a step repeated after a failure does not repeat it.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from hiroba.assist.models import Scope
from hiroba.assist.services.proxies import proxy_accept, proxy_offer
from hiroba.core.audit import Actor, audit_record
from hiroba.core.errors import AppError, Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from hiroba.core.fiscal import fiscal_year
from hiroba.core.models import Channel
from hiroba.identity import jpki
from hiroba.identity.jpki.virtualcard import normalise_pin, normalise_sign_password
from hiroba.identity.models import Resident, ResidentStatus, User
from hiroba.identity.selectors.residents import binding_by_lookup
from hiroba.identity.services import resident_enroll
from hiroba.identity.services.jpki import pending_credential, record_sign_in
from hiroba.identity.services.residents import EnrollmentOffer, PendingCredential, enrollment_offer
from hiroba.learning.services import activity_complete
from hiroba.learning.simulator import trainingca
from hiroba.learning.simulator.events import SimulatorEvent
from hiroba.learning.simulator.models import (
    AUTH_PIN_TRIES,
    SIGN_PASSWORD_TRIES,
    STEPS,
    TRAINING_PASSWORD,
    TRAINING_PIN,
    Sandbox,
    Walk,
)
from hiroba.learning.simulator.selectors import trainee_required
from hiroba.tenancy import services as tenancy
from hiroba.tenancy.models import CurrencyArea, Municipality
from hiroba.voting import services as voting
from hiroba.voting.crypto.ballot import ballot_create, proof_json
from hiroba.voting.crypto.credentials import credential_generate, credential_secret
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.crypto.proofs import pok_prove
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.models import CredentialDelivery, Election, GroupName
from hiroba.voting.selectors import ballot_tracker, question_structures
from hiroba.wallet.formats import jpqr
from hiroba.wallet.models import AreaSettings, Merchant, MerchantStatus
from hiroba.wallet.services import merchants, money, payments

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


# ------------------------------------------------------------------------------------------------ the sandbox


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


# ------------------------------------------------------------------------------------------------ walks


def _walk_audit(walk: Walk, tag: SimulatorEvent, actor: Actor, data: dict[str, Any] | None = None) -> None:
    audit_record(
        tag=tag,
        actor=actor,
        subject=f"walk:{walk.pk}",
        data=data or {},
        municipality=walk.sandbox.municipality_id,
    )


def _resident_name(walk_id: str) -> str:
    """A name of its own per walk: enrollment recognises a person by name and birth date."""
    return f"練習 花子 {walk_id[2:8].upper()}"


def walk_start(*, actor: Actor) -> Walk:
    """Begin a walk (or begin again): a new virtual card from the training CA for a fresh sandbox resident. The
    trainee's earlier walk stays as it was, with its resident and its ledger history."""
    trainee = trainee_required(actor=actor)
    sandbox = simulator_sandbox_ensure()
    ca = trainingca.training_ca_load(sandbox.training_ca)
    walk = Walk(trainee=trainee, sandbox=sandbox)
    walk.name = _resident_name(walk.pk)
    card = trainingca.training_card_issue(
        ca,
        name=walk.name,
        birth_date=date(1990, 1 + secrets.randbelow(12), 1 + secrets.randbelow(28)),
        address=f"{SANDBOX_ADDRESS}{1 + secrets.randbelow(20)}-{1 + secrets.randbelow(30)}",
        now=timezone.now(),
        pin=TRAINING_PIN,
        password=TRAINING_PASSWORD,
    )
    walk.card = card.to_json()
    with transaction.atomic():
        Walk.objects.filter(trainee=trainee, current=True).update(current=False)
        walk.save(force_insert=True)
        _walk_audit(walk, SimulatorEvent.WALK_STARTED, actor)
    return walk


def _step_check(walk: Walk, number: int) -> None:
    if walk.steps_done >= number:
        raise Conflict(
            "simulator.step_done",
            ja="この手順は終わっています。次の手順に進んでください。",
            en="This step is done already. Go on to the next one.",
            detail={"step": number, "next": walk.next_step},
        )
    if walk.steps_done + 1 != number:
        raise Conflict(
            "simulator.step_order",
            ja=f"手順は順番に進めてください。次は手順{walk.steps_done + 1}です。",
            en=f"The steps go in order: step {walk.steps_done + 1} comes next.",
            detail={"step": number, "next": walk.steps_done + 1},
        )
    if not walk.current:
        raise Conflict(
            "simulator.walk_ended",
            ja="この練習は「最初からやり直す」で終了しています。",
            en="This walk was ended when you started over.",
        )


def _step_done(walk: Walk, number: int, actor: Actor, data: dict[str, Any] | None = None) -> None:
    """Advance (a conditional update: two tabs cannot both do the same step)."""
    with transaction.atomic():
        if not Walk.objects.filter(pk=walk.pk, steps_done=number - 1).update(steps_done=number):
            raise Conflict(
                "simulator.step_done",
                ja="この手順は終わっています。次の手順に進んでください。",
                en="This step is done already. Go on to the next one.",
            )
        walk.steps_done = number
        _walk_audit(walk, SimulatorEvent.STEP_DONE, actor, {"step": number, **(data or {})})


# ------------------------------------------------------------------------------------------------ the card


def _locked_pin() -> Conflict:
    return Conflict(
        "simulator.pin_locked",
        ja="暗証番号(4桁)を3回続けて間違えたため、利用者証明用電子証明書がロックされました。"
        "住民の方は、カードと本人確認書類を持って市区町村の窓口で暗証番号を初期化(再設定)します。"
        "この練習では「窓口で暗証番号のロックを解除する」を押してください。",
        en="The 4-digit PIN was wrong three times in a row: the authentication certificate is locked. A resident "
        "takes the card and proof of identity to the municipal counter to reset the PIN. Here, press "
        "“Reset the PIN at the counter”.",
        detail={"tries_left": 0},
    )


def _locked_password() -> Conflict:
    return Conflict(
        "simulator.password_locked",
        ja="署名用パスワードを5回続けて間違えたため、署名用電子証明書がロックされました。"
        "住民の方は、カードと本人確認書類を持って市区町村の窓口でパスワードを初期化(再設定)します。"
        "この練習では「窓口で署名用パスワードのロックを解除する」を押してください。",
        en="The signature password was wrong five times in a row: the signature certificate is locked. A resident "
        "takes the card and proof of identity to the municipal counter to reset it. Here, press "
        "“Reset the password at the counter”.",
        detail={"tries_left": 0},
    )


def _wrong_secret(walk: Walk, *, password: bool, actor: Actor) -> AppError:
    """Count a wrong PIN or password (committed, whatever happens to the step) and say how many tries are left."""
    field = "password_tries_left" if password else "pin_tries_left"
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk, **{f"{field}__gt": 0}).update(**{field: F(field) - 1})
        left = int(Walk.objects.values_list(field, flat=True).get(pk=walk.pk))
        setattr(walk, field, left)
        tag = SimulatorEvent.PIN_LOCKED if left == 0 else SimulatorEvent.PIN_WRONG
        _walk_audit(walk, tag, actor, {"secret": "password" if password else "pin", "tries_left": left})
    if left == 0:
        return _locked_password() if password else _locked_pin()
    if password:
        return Invalid(
            "simulator.password_wrong",
            ja=f"署名用パスワードが違います。あと{left}回間違えるとロックされます。",
            en=f"Wrong signature password. {left} more wrong tries lock the certificate.",
            detail={"tries_left": left},
        )
    return Invalid(
        "simulator.pin_wrong",
        ja=f"暗証番号が違います。あと{left}回間違えるとロックされます。",
        en=f"Wrong PIN. {left} more wrong tries lock the certificate.",
        detail={"tries_left": left},
    )


def _tries_restore(walk: Walk, *, password: bool) -> None:
    """A correct PIN sets the card's counter back to the full number of tries, as the card does."""
    field, full = ("password_tries_left", SIGN_PASSWORD_TRIES) if password else ("pin_tries_left", AUTH_PIN_TRIES)
    if getattr(walk, field) != full:
        with transaction.atomic():
            Walk.objects.filter(pk=walk.pk).update(**{field: full})
        setattr(walk, field, full)


def _card(walk: Walk) -> jpki.VirtualCard:
    return jpki.VirtualCard.from_json(walk.card)


def _card_sign(walk: Walk, *, secret: str, data: bytes, password: bool, actor: Actor) -> bytes:
    """The card signs `data` once the PIN (or the password) opens it; a malformed entry is refused without counting,
    as the card's client refuses it before the card sees it."""
    try:
        entered = normalise_sign_password(secret) if password else normalise_pin(secret)
    except ValueError:
        if password:
            raise Invalid(
                "simulator.password_format",
                ja="署名用パスワードは英数字6〜16文字です。",
                en="The signature password has 6 to 16 letters and digits.",
            ) from None
        raise Invalid("simulator.pin_format", ja="暗証番号は数字4桁です。", en="The PIN has 4 digits.") from None
    if (walk.password_tries_left if password else walk.pin_tries_left) == 0:
        raise _locked_password() if password else _locked_pin()
    card = _card(walk)
    try:
        signature = card.sign_sign(entered, data) if password else card.sign_auth(entered, data)
    except ValueError:
        raise _wrong_secret(walk, password=password, actor=actor) from None
    _tries_restore(walk, password=password)
    return signature


_REFUSALS: Final = {
    "jpki.unknown_issuer": ("このカードは練習用の認証局が発行したものではありません。", "Not a training card."),
    "jpki.revoked": ("この練習用カードは失効しています。", "This training card has been revoked."),
    "jpki.expired": ("この練習用カードの有効期限が切れています。", "This training card has expired."),
}


def _jpki_refusal(error: jpki.JpkiError) -> NotAuthenticated:
    ja, en = _REFUSALS.get(error.code, ("カードを確認できませんでした。", "The card could not be verified."))
    return NotAuthenticated(error.code, ja=ja, en=en)


def _verify(
    walk: Walk, *, origin: str, kind: jpki.CertificateKind, secret: str, actor: Actor
) -> jpki.ValidatedCertificate:
    """One challenge–response: a fresh nonce, the card's signature over SHA-256(origin) ‖ SHA-256(nonce), and the
    jpki verifier with the training CA as the only anchor and its fresh CRL."""
    ca = trainingca.training_ca_load(walk.sandbox.training_ca)
    now = timezone.now()
    nonce = jpki.new_nonce()
    data = jpki.signed_data(origin=origin, nonce=nonce)
    password = kind is jpki.CertificateKind.SIGN
    signature = _card_sign(walk, secret=secret, data=data, password=password, actor=actor)
    card = _card(walk)
    config = trainingca.training_config(ca)
    revocation = trainingca.training_revocation(ca, now=now)
    try:
        if password:
            return jpki.verify_signing(
                certificate_der=card.sign_certificate_der,
                signature=signature,
                data=data,
                config=config,
                at=now,
                revocation=revocation,
            )
        return jpki.verify_authentication(
            certificate_der=card.auth_certificate_der,
            signature=signature,
            origin=origin,
            nonce=nonce,
            config=config,
            at=now,
            revocation=revocation,
        )
    except jpki.JpkiError as error:
        raise _jpki_refusal(error) from error


def card_counter_reset(*, actor: Actor, walk: Walk, secret: str) -> Walk:
    """The counter's reset ("reset at the counter"): in the simulator the clerk's reset gives the card its tries
    back (the training PIN and password stay as they were, so that the walk can go on)."""
    trainee_required(actor=actor)
    if secret not in ("pin", "password"):
        raise Invalid(
            "simulator.reset_what", ja="解除する対象が正しくありません。", en="Reset the PIN or the password."
        )
    password = secret == "password"  # noqa: S105 (which secret to reset, not a secret)
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk).update(
            **({"password_tries_left": SIGN_PASSWORD_TRIES} if password else {"pin_tries_left": AUTH_PIN_TRIES})
        )
        _walk_audit(walk, SimulatorEvent.PIN_RESET, actor, {"secret": secret})
    walk.refresh_from_db()
    return walk


# ------------------------------------------------------------------------------------------------ the steps


def _resident_actor(walk: Walk) -> Actor:
    """The sandbox resident acting in the sandbox (never a session: the trainee's staff session stays theirs)."""
    resident = _resident(walk)
    if resident.person is None:
        raise Conflict("simulator.not_enrolled", ja="まだ登録していません。", en="Not enrolled yet.")
    return Actor.for_user(resident.person.user, channel=Channel.WEB)


def _resident(walk: Walk) -> Resident:
    if walk.resident_id is None:
        raise Conflict("simulator.not_enrolled", ja="まだ登録していません。", en="Not enrolled yet.")
    return Resident.objects.select_related("municipality__currency_area", "person__user").get(pk=walk.resident_id)


def step_enroll_sign(*, actor: Actor, walk: Walk, pin: str, password: str, origin: str) -> EnrollmentOffer:
    """Step 1, first half: the card proves the authentication certificate (PIN), then signs with the signature
    certificate (password), whose basic facts decide the town. Nothing is kept before the consent."""
    trainee_required(actor=actor)
    _step_check(walk, 1)
    auth = _verify(walk, origin=origin, kind=jpki.CertificateKind.AUTH, secret=pin, actor=actor)
    sign = _verify(walk, origin=origin, kind=jpki.CertificateKind.SIGN, secret=password, actor=actor)
    facts = jpki.read_basic_facts(sign.certificate)
    offer = enrollment_offer(name=facts.name, birth_date=facts.birth_date, address=facts.address)
    if offer.lg_code != walk.sandbox.municipality_id:
        raise PermissionDenied(
            "simulator.not_sandbox",
            ja="練習用カードは練習用の町でだけ使えます。",
            en="A training card works in the training town only.",
        )
    credential = pending_credential(auth, _card(walk).token)
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk).update(
            enrollment={"credential": credential.to_dict(), "offer": offer.to_dict()}
        )
    walk.enrollment = {"credential": credential.to_dict(), "offer": offer.to_dict()}
    return offer


def enrollment_pending(walk: Walk) -> EnrollmentOffer | None:
    offer = walk.enrollment.get("offer") if isinstance(walk.enrollment, dict) else None
    return EnrollmentOffer.from_dict(offer) if offer else None


def step_enroll_consent(*, actor: Actor, walk: Walk, consented: bool, notice_text: str, language: str) -> Resident:
    """Step 1, second half: the resident agrees to what the consent page shows, and identity enrolls them."""
    trainee_required(actor=actor)
    _step_check(walk, 1)
    offer = enrollment_pending(walk)
    if offer is None:
        raise Conflict(
            "simulator.sign_first",
            ja="先にカードで署名してください。",
            en="Sign with the card first.",
        )
    user = resident_enroll(
        credential=PendingCredential.from_dict(walk.enrollment["credential"]),
        offer=offer,
        consented=consented,
        notice_text=notice_text,
        language=language,
        actor=Actor(user=None, channel=Channel.WEB, ref=f"simulator:{walk.pk}"),
    )
    resident = Resident.objects.get(person__user=user, status=ResidentStatus.ACTIVE)
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk).update(resident=resident, enrollment={})
    walk.resident = resident
    _step_done(walk, 1, actor, {"resident": resident.pairwise_id})
    return resident


def step_sign_in(*, actor: Actor, walk: Walk, pin: str, origin: str) -> User:
    """Step 2: sign in with the PIN. The certificate's binding must be the walk's sandbox resident; identity
    records the sign-in (in the sandbox town's chain). No session is opened: this is the simulator's screen."""
    trainee_required(actor=actor)
    _step_check(walk, 2)
    validated = _verify(walk, origin=origin, kind=jpki.CertificateKind.AUTH, secret=pin, actor=actor)
    pending = pending_credential(validated, _card(walk).token)
    binding = binding_by_lookup(lookup=pending.lookup)
    resident = _resident(walk)
    if binding is None or resident.person_id != binding.person_id:
        raise NotAuthenticated(
            "simulator.not_enrolled", ja="このカードは登録されていません。", en="This card is not registered."
        )
    user = binding.person.user
    record_sign_in(user=user, method=binding.kind, channel=Channel.WEB, revocation=validated.revocation.reference)
    # the training health points of step 3 arrive as any town's awards do: one journal from the town's issuance
    money.points_award(
        municipality=resident.municipality,
        awards=[(resident, TRAINING_POINTS)],
        key=f"simulator:{walk.pk}:points",
        on=timezone.localdate(),
        reason="simulator",
    )
    _step_done(walk, 2, actor)
    return user


def step_convert(*, actor: Actor, walk: Walk, points: int) -> int:
    """Step 3: convert points into the training coin through wallet's conversion (the sandbox town's budget)."""
    trainee_required(actor=actor)
    _step_check(walk, 3)
    resident = _resident(walk)
    today = timezone.localdate()
    money.conversion_preview(resident=resident, points=points, on=today)
    journal = money.points_convert(
        resident=resident, points=points, key=f"simulator:{walk.pk}:convert", on=today, actor=_resident_actor(walk)
    )
    coins = int(journal.memo.get("coins", 0))
    _step_done(walk, 3, actor, {"points": points, "coins": coins})
    return coins


def shop_payload(walk: Walk) -> str:
    """The training shop's static QR payload, as the sticker at its till carries it."""
    return payments.merchant_qr(payments.merchant_accepting(walk.sandbox.merchant_id))


def step_pay(*, actor: Actor, walk: Walk, qr: str, amount: int) -> payments.Payment:
    """Step 4: the resident scans the shop's code and types the amount; wallet posts the payment into the sandbox
    area's ledger. Only the training shop's code is taken."""
    trainee_required(actor=actor)
    _step_check(walk, 4)
    try:
        code = jpqr.decode(qr.strip())
    except jpqr.QrError:
        raise Invalid(
            "simulator.qr_unreadable", ja="QRコードを読み取れませんでした。", en="The QR code could not be read."
        ) from None
    if code.merchant_id != walk.sandbox.merchant_id:
        raise Invalid(
            "simulator.qr_not_training_shop",
            ja="練習用のお店のQRコードではありません。",
            en="That is not the training shop's QR code.",
        )
    payment = payments.pay_static(
        resident=_resident(walk),
        merchant_id=code.merchant_id,
        amount=amount,
        key=f"simulator:{walk.pk}",
        on=timezone.localdate(),
        actor=_resident_actor(walk),
    )
    _step_done(walk, 4, actor, {"amount": payment.amount})
    return payment


def _assisted(walk: Walk) -> Resident:
    resident = Resident.objects.filter(
        pairwise_id=walk.sandbox.assisted_pairwise_id,
        municipality_id=walk.sandbox.municipality_id,
        status=ResidentStatus.ACTIVE,
    ).first()
    if resident is None:
        raise NotFound("simulator.assisted_missing", ja="練習用の住民が見つかりません。", en="No assisted resident.")
    return resident


def step_proxy_offer(*, actor: Actor, walk: Walk, scopes: list[str], evidence: str) -> str:
    """Step 5, at the counter: the assisted resident asks for the trainee's sandbox resident as proxy; the clerk
    records the document checked, and assist gives the one-time code (recorded as the counter's act)."""
    trainee_required(actor=actor)
    _step_check(walk, 5)
    assisted = _assisted(walk)
    counter = Actor(
        user=actor.user, channel=Channel.COUNTER, ref=actor.ref, acting_for=f"resident:{assisted.pairwise_id}"
    )
    _, code = proxy_offer(
        resident=assisted,
        scopes=scopes,
        ends_on=timezone.localdate() + timedelta(days=365),
        actor=counter,
        evidence=evidence,
    )
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk).update(proxy_code=code)
    walk.proxy_code = code
    return code


def step_proxy_accept(*, actor: Actor, walk: Walk, code: str, pin: str, origin: str) -> str:
    """Step 5, the proxy: signs in with their own card (PIN) and enters the code."""
    trainee_required(actor=actor)
    _step_check(walk, 5)
    if not walk.proxy_code:
        raise Conflict(
            "simulator.offer_first", ja="先に窓口で代理人の登録を受け付けてください。", en="Take the offer first."
        )
    validated = _verify(walk, origin=origin, kind=jpki.CertificateKind.AUTH, secret=pin, actor=actor)
    binding = binding_by_lookup(lookup=pending_credential(validated, _card(walk).token).lookup)
    if binding is None or binding.person_id != _resident(walk).person_id:
        raise NotAuthenticated(
            "simulator.not_enrolled", ja="このカードは登録されていません。", en="This card is not registered."
        )
    proxy = binding.person.user
    delegation = proxy_accept(code=code, proxy=proxy, actor=Actor.for_user(proxy, channel=Channel.WEB))
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk).update(delegation_id=str(delegation.pk))
    walk.delegation_id = str(delegation.pk)
    _step_done(walk, 5, actor, {"delegation": str(delegation.pk)})
    return str(delegation.pk)


def _training_poll(walk: Walk, resident: Resident) -> tuple[Election, str]:
    """A poll of the sandbox town for this walk's resident alone: the voter list is fixed when a poll opens, so
    each walk has its own. The simulator plays the committee, the credential authority (the letter) and the
    trustee; the trustee's key is thrown away, so a training poll is never tallied."""
    group = group_by_name(GroupName.ED25519)
    now = timezone.now()
    election = voting.election_create(
        actor=_SYSTEM,
        lg_code=walk.sandbox.municipality_id,
        title="練習用の住民投票(研修用)",
        questions=[voting.question_choose_one(POLL_QUESTION, list(POLL_ANSWERS))],
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
        group=GroupName.ED25519,
        credential_delivery=CredentialDelivery.LETTER,
    )
    voting.voters_enroll(actor=_SYSTEM, election=election, imported=[(resident.pairwise_id, 1)])
    credential = credential_generate()
    secret = credential_secret(group, credential, election.uuid)
    voting.credentials_register(
        actor=_SYSTEM, election=election, public_credentials=[group.to_str(group.g_pow(secret))]
    )
    x = group.random_scalar()
    voting.trustee_register(
        actor=_SYSTEM,
        election=election,
        name="練習用の管理者",
        public_key_json=json_dumps(
            {"pok": proof_json(pok_prove(group, x)), "public_key": group.to_str(group.g_pow(x))}
        ),
    )
    return voting.election_open(actor=_SYSTEM, election=election), credential


def step_vote(*, actor: Actor, walk: Walk, choice: int) -> str:
    """Step 6: vote in the training poll. The ballot is made on the server with voting's own crypto (not in the
    browser booth) and cast through `ballot_cast` as the sandbox resident. Returns the ballot's tracker."""
    trainee_required(actor=actor)
    _step_check(walk, 6)
    if not 0 <= choice < len(POLL_ANSWERS):
        raise Invalid("simulator.vote_choice", ja="選択肢を1つ選んでください。", en="Choose one answer.")
    resident = _resident(walk)
    election = Election.objects.filter(uuid=walk.poll_uuid).first() if walk.poll_uuid else None
    if election is None or not walk.poll_credential:  # a poll of its own, kept for a retry of this step
        election, credential = _training_poll(walk, resident)
        with transaction.atomic():
            Walk.objects.filter(pk=walk.pk).update(poll_uuid=election.uuid, poll_credential=credential)
        walk.poll_uuid, walk.poll_credential = election.uuid, credential
    group = group_by_name(election.group)
    ballot = ballot_create(
        group,
        y=group.parse(election.public_key),
        election_uuid=election.uuid,
        election_fingerprint=election.fingerprint,
        credential_secret=credential_secret(group, walk.poll_credential, election.uuid),
        questions=question_structures(election),
        plaintexts=[[1 if i == choice else 0 for i in range(len(POLL_ANSWERS))]],
    )
    event = voting.ballot_cast(
        actor=_resident_actor(walk), election=election, resident=resident, ballot_json=json_dumps(ballot)
    )
    tracker = ballot_tracker(event)
    with transaction.atomic():
        Walk.objects.filter(pk=walk.pk).update(tracker=tracker)
    walk.tracker = tracker
    _step_done(walk, 6, actor, {"poll": election.uuid})
    walk_complete(actor=actor, walk=walk)
    return tracker


def walk_complete(*, actor: Actor, walk: Walk) -> Walk:
    """After the last step: the walk is complete and the learning app records the activity for the trainee."""
    if walk.steps_done != STEPS:
        raise Conflict("simulator.not_finished", ja="まだ全部の手順が終わっていません。", en="Not every step is done.")
    with transaction.atomic():
        if Walk.objects.filter(pk=walk.pk, completed_at__isnull=True).update(completed_at=timezone.now()):
            _walk_audit(walk, SimulatorEvent.WALK_COMPLETED, actor)
        activity_complete(actor=actor, activity="simulator")
    walk.refresh_from_db()
    return walk


def notice_digest_text(items: list[tuple[str, str]]) -> str:
    """The consent notice as identity's consent page digests it: one `label: value` line per item."""
    return "\n".join(f"{k}: {v}" for k, v in items)


__all__ = [
    "SANDBOX_LG_CODE",
    "card_counter_reset",
    "enrollment_pending",
    "notice_digest_text",
    "shop_payload",
    "simulator_sandbox_ensure",
    "step_convert",
    "step_enroll_consent",
    "step_enroll_sign",
    "step_pay",
    "step_proxy_accept",
    "step_proxy_offer",
    "step_sign_in",
    "step_vote",
    "walk_complete",
    "walk_start",
]
