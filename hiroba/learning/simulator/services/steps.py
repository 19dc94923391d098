"""The walk's steps. Each step calls the owning app's own service — identity's enrollment and sign-in, wallet's
points, conversion and QR payment, assist's proxies, voting's ballots — against the sandbox town only; whatever the
card verifies must belong to the sandbox town.

A step orchestrates several durable services of other apps, so it cannot be one transaction itself: each of the
simulator's own writes is a short `atomic` block with its audit record, and every other app's write is keyed by
the walk (idempotency keys), so that a step repeated after a failure does not repeat it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hiroba.assist.services.proxies import proxy_accept, proxy_offer
from hiroba.core.audit import Actor
from hiroba.core.errors import Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from hiroba.core.models import Channel
from hiroba.identity import jpki
from hiroba.identity.models import Resident, ResidentStatus, User
from hiroba.identity.selectors.residents import binding_by_lookup
from hiroba.identity.services import resident_enroll
from hiroba.identity.services.jpki import pending_credential, record_sign_in
from hiroba.identity.services.residents import EnrollmentOffer, PendingCredential, enrollment_offer
from hiroba.learning.simulator.models import Walk
from hiroba.learning.simulator.selectors import trainee_required
from hiroba.learning.simulator.services.card import _card, _verify
from hiroba.learning.simulator.services.sandbox import _SYSTEM, POLL_ANSWERS, POLL_QUESTION, TRAINING_POINTS
from hiroba.learning.simulator.services.walks import _step_check, _step_done, walk_complete
from hiroba.voting import services as voting
from hiroba.voting.crypto.ballot import ballot_create, proof_json
from hiroba.voting.crypto.credentials import credential_generate, credential_secret
from hiroba.voting.crypto.groups import group_by_name
from hiroba.voting.crypto.proofs import pok_prove
from hiroba.voting.formats.archive import json_dumps
from hiroba.voting.models import CredentialDelivery, Election, GroupName
from hiroba.voting.selectors import ballot_tracker, question_structures
from hiroba.wallet.formats import jpqr
from hiroba.wallet.services import money, payments


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


def notice_digest_text(items: list[tuple[str, str]]) -> str:
    """The consent notice as identity's consent page digests it: one `label: value` line per item."""
    return "\n".join(f"{k}: {v}" for k, v in items)
