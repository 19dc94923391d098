"""Identity endpoints: the same card challenge–response as the pages, for apps and card client software.

The session cookie carries the state between steps, exactly as in the browser: challenge → card proof →
(first time) enrollment proof → consent.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router
from ninja.security import django_auth

from hiroba.core.audit import Actor
from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.core.models import Channel
from hiroba.identity import selectors, services
from hiroba.identity.models import AccountKind, ChallengePurpose, CredentialKind
from hiroba.identity.origin import site_origin
from hiroba.identity.schemas import (
    CardProofIn,
    ChallengeIn,
    ChallengeOut,
    ConsentIn,
    DeletedOut,
    DisplayNameIn,
    MyDataOut,
    OfferOut,
    SignInOut,
)
from hiroba.identity.services.jpki import CHALLENGE_LIFETIME, CardProof
from hiroba.identity.views import consent_notice
from hiroba.identity.web import (
    card_proof,
    client_ip,
    enrollment_finish,
    offer_get,
    offer_keep,
    pending_get,
    pending_keep,
    session_key,
)

router = Router(tags=["identity"])


def _proof(body: CardProofIn) -> CardProof:
    return card_proof(certificate=body.certificate, signature=body.signature, nonce=body.nonce, token=body.token)


def _signed_in(user: Any) -> dict[str, Any]:
    resident = selectors.resident_current(user=user)
    return {
        "status": "signed_in",
        "pairwise_id": resident.pairwise_id if resident else None,
        "municipality": resident.municipality_id if resident else None,
    }


@router.post("/challenges", response=ChallengeOut, summary="A sign-in or enrollment nonce for this session")
def challenge(request: HttpRequest, body: ChallengeIn) -> dict[str, Any]:
    nonce = services.challenge_issue(session_key=session_key(request), purpose=ChallengePurpose(body.purpose))
    return {"nonce": nonce, "expires_in": int(CHALLENGE_LIFETIME.total_seconds())}


@router.post("/jpki/sign-in", response=SignInOut, summary="Sign in with the card's authentication certificate")
def jpki_sign_in(request: HttpRequest, body: CardProofIn) -> dict[str, Any]:
    outcome = services.jpki_sign_in(
        proof=_proof(body),
        origin=site_origin(request),
        session_key=session_key(request),
        ip=client_ip(request),
        channel=Channel.API,
    )
    if outcome.user is None:
        pending_keep(request, outcome.pending)
        return {"status": "enrollment_required"}
    enrollment_finish(request, outcome.user, method=outcome.pending.kind)
    return _signed_in(outcome.user)


@router.post("/jpki/enrollment", response=OfferOut, summary="Read the basic facts once (signature certificate)")
def jpki_enrollment(request: HttpRequest, body: CardProofIn) -> dict[str, Any]:
    if pending_get(request) is None:
        raise Invalid(
            "identity.no_pending_sign_in", ja="先にカードでサインインしてください。", en="Sign in with the card first."
        )
    offer = services.jpki_enrollment_offer(
        proof=_proof(body), origin=site_origin(request), session_key=session_key(request), ip=client_ip(request)
    )
    offer_keep(request, offer)
    return {
        "municipality": offer.lg_code,
        "display_name": offer.display_name,
        "birth_year_month": f"{offer.birth_year:04d}-{offer.birth_month:02d}",
        "existing_account": offer.existing_user is not None,
        "moving_from": offer.moving_from,
        "keeps": [f"{k}: {v}" for k, v in consent_notice(offer)],
    }


@router.post("/enrollment/consent", response=SignInOut, summary="Agree to what is kept and finish enrollment")
def enrollment_consent(request: HttpRequest, body: ConsentIn) -> dict[str, Any]:
    pending, offer = pending_get(request), offer_get(request)
    if pending is None or offer is None:
        raise Invalid(
            "identity.no_pending_enrollment",
            ja="登録の手続きが見つかりません。最初からやり直してください。",
            en="No enrollment in progress. Please start again.",
        )
    user = services.resident_enroll(
        credential=pending,
        offer=offer,
        consented=body.consent,
        notice_text="\n".join(f"{k}: {v}" for k, v in consent_notice(offer)),
        language=get_language() or "ja",
        actor=Actor.from_request(request, channel=Channel.API),
    )
    enrollment_finish(request, user, method=pending.kind)
    return _signed_in(user)


def _resident(request: HttpRequest) -> Any:
    if getattr(request.user, "kind", None) != AccountKind.RESIDENT:
        raise PermissionDenied("identity.residents_only", ja="住民の方のための機能です。", en="For residents only.")
    return request.user


@router.get("/me", response=MyDataOut, auth=django_auth, summary="Everything Hiroba keeps about the resident")
def my_data(request: HttpRequest) -> dict[str, Any]:
    data = selectors.my_data(user=_resident(request))
    if data is None:  # a resident account always has its person; deletion removes both together
        raise PermissionDenied("identity.residents_only", ja="住民の方のための機能です。", en="For residents only.")
    return {
        "display_name": data.display_name,
        "birth_year_month": f"{data.birth_year:04d}-{data.birth_month:02d}",
        "municipality": data.municipality.lg_code if data.municipality else None,
        "pairwise_id": data.pairwise_id,
        "credentials": [c for c in data.credentials if c.kind != CredentialKind.BASIC_FACTS],
    }


@router.patch("/me", response=MyDataOut, auth=django_auth, summary="Change the name shown on Hiroba")
def rename_me(request: HttpRequest, body: DisplayNameIn) -> dict[str, Any]:
    services.resident_rename(
        user=_resident(request), display_name=body.display_name, actor=Actor.from_request(request, channel=Channel.API)
    )
    return my_data(request)


@router.delete("/me", response=DeletedOut, auth=django_auth, summary="Delete the account and its personal data")
def delete_me(request: HttpRequest) -> dict[str, Any]:
    services.resident_delete_account(user=_resident(request), actor=Actor.from_request(request, channel=Channel.API))
    services.session_sign_out(request)
    return {"deleted": True}
