"""The virtual card. The simulator holds each trainee's card server-side, counts wrong PINs (3 tries for the 4-digit
PIN, 5 for the signature password) as the real card does, and resets them as the municipal counter does.

A challenge is answered with the card and then verified by the jpki package's own verifier (path, policy, key
usage, CRL, signature) with the training CA as the only trust anchor.
"""

from __future__ import annotations

from typing import Final

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, Conflict, Invalid, NotAuthenticated
from hiroba.identity import jpki
from hiroba.identity.jpki.virtualcard import normalise_pin, normalise_sign_password
from hiroba.learning.simulator import trainingca
from hiroba.learning.simulator.events import SimulatorEvent
from hiroba.learning.simulator.models import AUTH_PIN_TRIES, SIGN_PASSWORD_TRIES, Walk
from hiroba.learning.simulator.selectors import trainee_required
from hiroba.learning.simulator.services.walks import _walk_audit


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
