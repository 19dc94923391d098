"""What the resident pages and the API share: the browser session (its store, and the state between sign-in
steps)."""

from __future__ import annotations

import base64
import binascii

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from hiroba.core.bulk import columns_of, instance_from
from hiroba.core.errors import Invalid, PermissionDenied
from hiroba.identity import jpki
from hiroba.identity.models import Resident, User
from hiroba.identity.selectors import resident_current
from hiroba.identity.services.jpki import CardProof
from hiroba.identity.services.residents import EnrollmentOffer, PendingCredential
from hiroba.identity.services.sessions import session_sign_in

PENDING = "hiroba_pending_credential"
OFFER = "hiroba_enrollment_offer"


class SessionStore(db.SessionStore):
    """Django's database sessions (settings.SESSION_ENGINE), read with one plain statement: every signed-in request
    loads its session, and composing the ORM's query cost more than running it (bench/api.py)."""

    def _get_session_from_db(self) -> Session | None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns_of(Session, 's')} FROM django_session s "  # noqa: S608
                "WHERE s.session_key = %s AND s.expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return instance_from(Session, row)


def session_key(request: HttpRequest) -> str:
    """The session a challenge is bound to; created on first need."""
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key
    if key is None:
        raise RuntimeError("the session could not be created")
    return key


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def decode_b64(value: str, *, code: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(code, ja="データの形式が正しくありません。", en="The data is not valid base64.") from None


def card_proof(*, certificate: str, signature: str, nonce: str, token: str = "") -> CardProof:
    """A card's answer as posted by a page or the API (base64 fields); an unknown token counts as a plastic card."""
    return CardProof(
        certificate=decode_b64(certificate, code="jpki.malformed_certificate"),
        signature=decode_b64(signature, code="jpki.malformed_signature"),
        nonce=nonce,
        token=token if token in jpki.TOKENS else jpki.PLASTIC_CARD_TOKEN,
    )


def posted_card_proof(request: HttpRequest, prefix: str = "") -> CardProof:
    """The card's answer from a page's form; `prefix` tells apart two answers in one form ("auth_", "sign_")."""
    return card_proof(
        certificate=request.POST.get(f"{prefix}certificate", ""),
        signature=request.POST.get(f"{prefix}signature", ""),
        nonce=request.POST.get("nonce", ""),
        token=request.POST.get("token", ""),
    )


def pending_keep(request: HttpRequest, pending: PendingCredential) -> None:
    request.session[PENDING] = pending.to_dict()
    request.session.pop(OFFER, None)


def pending_get(request: HttpRequest) -> PendingCredential | None:
    data = request.session.get(PENDING)
    return PendingCredential.from_dict(data) if data else None


def offer_keep(request: HttpRequest, offer: EnrollmentOffer) -> None:
    request.session[OFFER] = offer.to_dict()


def offer_get(request: HttpRequest) -> EnrollmentOffer | None:
    data = request.session.get(OFFER)
    return EnrollmentOffer.from_dict(data) if data else None


def enrollment_finish(request: HttpRequest, user: User, *, method: str) -> None:
    """Signs the new (or re-linked) resident in and drops the enrollment state."""
    session_sign_in(request, user, method=method)
    request.session.pop(PENDING, None)
    request.session.pop(OFFER, None)


def signed_in_resident(request: HttpRequest) -> Resident:
    """The signed-in resident's residency in their current municipality; anyone else is refused (403)."""
    user = request.user
    resident = resident_current(user=user) if isinstance(user, User) else None
    if resident is None:
        raise PermissionDenied("identity.residents_only", ja="住民の方のための機能です。", en="For residents only.")
    return resident
