"""Staff and merchant sign-in: invitations, passkeys, the development password, e-mail codes and session limits.

Passkeys are made by a small software authenticator below (a real P-256 key, "none" attestation, a counter), so that
py_webauthn checks real signatures; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.encode_cbor import encode_cbor

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError, PermissionDenied
from hiroba.core.models import AuditRecord, Channel
from hiroba.identity.models import AccountKind, EmailCode, Invitation, Passkey, User
from hiroba.identity.selectors.passkeys import passkey_list
from hiroba.identity.services import passkeys as services
from hiroba.identity.services.sessions import AUTH_AT, SEEN_AT

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
RP_ID = "testserver"
SAKU = "202177"


class SoftAuthenticator:
    """A software FIDO2 authenticator: one P-256 credential, user verification on or off, a signature counter."""

    def __init__(self, *, user_verified: bool = True) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.counter = 0
        self.user_verified = user_verified
        self.user_handle = b""

    @property
    def id(self) -> str:
        return bytes_to_base64url(self.credential_id)

    def _flags(self, *, attested: bool) -> bytes:
        return bytes([0x01 | (0x04 if self.user_verified else 0) | (0x40 if attested else 0)])

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options_json: str, *, origin: str = ORIGIN) -> str:
        options = json.loads(options_json)
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose = encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        auth_data = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + self._flags(attested=True)
            + self.counter.to_bytes(4, "big")
            + bytes(16)
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + cose
        )
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["internal"],
                },
            }
        )

    def get(self, options_json: str, *, origin: str = ORIGIN) -> str:
        options = json.loads(options_json)
        self.counter += 1
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + self._flags(attested=False)
            + self.counter.to_bytes(4, "big")
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": bytes_to_base64url(self.user_handle),
                },
            }
        )


# ------------------------------------------------------------------------------------------------ helpers


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _invite(username: str, *, by: str = "saku-admin") -> str:
    return services.invitation_create(user=_user(username), actor=Actor.for_user(_user(by), channel=Channel.WEB))


def _enrol(username: str, authenticator: SoftAuthenticator | None = None) -> SoftAuthenticator:
    """Give the account a passkey through the services (as the invitation page does)."""
    authenticator = authenticator or SoftAuthenticator()
    user = _user(username)
    options, challenge = services.passkey_registration_options(user=user, rp_id=RP_ID, rp_name="Hiroba")
    services.passkey_register(
        user=user,
        credential_json=authenticator.create(options),
        challenge=challenge,
        rp_id=RP_ID,
        origin=ORIGIN,
        name="office PC",
    )
    return authenticator


def _post_json(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _passkey_sign_in(client: Client, authenticator: SoftAuthenticator, **body: Any) -> Any:
    options = _post_json(client, "/staff/login/passkey/options/")
    assert options.status_code == 200
    return _post_json(
        client, "/staff/login/passkey/verify/", {"credential": json.loads(authenticator.get(options.content)), **body}
    )


def _signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def _failures(reason: str) -> list[AuditRecord]:
    return [r for r in AuditRecord.objects.filter(tag="identity:signin:failed") if r.data.get("reason") == reason]


def _sign_in_with_password(client: Client, username: str) -> None:
    from hiroba.demo import DEMO_PASSWORD

    response = client.post("/staff/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()


def _merchant(email: str = "shop@example.jp", username: str = "shop-1") -> User:
    return User.objects.create_user(username, None, full_name="見本商店", email=email, kind=AccountKind.MERCHANT)


# ------------------------------------------------------------------------------------------------ invitations


def test_invitation_link_enrols_a_passkey_and_signs_the_staff_member_in(client: Client, demo: Any) -> None:
    # given saku-admin invited saku-health
    token = _invite("saku-health")
    invitation = Invitation.objects.get(user__username="saku-health")
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert timedelta(hours=71) < invitation.expires_at - timezone.now() <= timedelta(hours=72)
    created = AuditRecord.objects.get(tag="identity:invitation:created")
    assert created.chain_id == SAKU
    authenticator = SoftAuthenticator()

    # when the staff member opens the link and creates a passkey
    page = client.get(f"/staff/invitation/{token}/")
    options = _post_json(client, f"/staff/invitation/{token}/options/")
    answer = _post_json(
        client,
        f"/staff/invitation/{token}/verify/",
        {"credential": json.loads(authenticator.create(options.content)), "name": "窓口PC"},
    )

    # then
    assert page.status_code == 200
    assert "見本 花子" in page.content.decode()
    creation = json.loads(options.content)
    assert creation["authenticatorSelection"]["userVerification"] == "required"
    assert creation["authenticatorSelection"]["residentKey"] == "preferred"
    assert [p["alg"] for p in creation["pubKeyCredParams"]] == [-7, -257]
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"redirect": "/staff/passkeys/"}
    assert _signed_in_as(client) == "saku-health"
    assert [p.name for p in passkey_list(user=_user("saku-health"))] == ["窓口PC"]
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    registered = AuditRecord.objects.get(tag="identity:passkey:registered")
    assert registered.chain_id == SAKU
    assert registered.data["invitation"] is True

    # and the link works only once
    again = Client().get(f"/staff/invitation/{token}/")
    assert again.status_code == 410
    assert "identity.invitation_used" in again.content.decode()


def test_registration_options_exclude_the_accounts_existing_passkeys(demo: Any) -> None:
    # given
    first = _enrol("saku-health")

    # when
    options, _challenge = services.passkey_registration_options(user=_user("saku-health"), rp_id=RP_ID, rp_name="H")

    # then
    assert [c["id"] for c in json.loads(options)["excludeCredentials"]] == [first.id]


def test_expired_invitation_is_refused_and_the_refusal_audited(client: Client, demo: Any) -> None:
    # given
    token = _invite("saku-health")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    response = client.get(f"/staff/invitation/{token}/")

    # then
    assert response.status_code == 410
    assert "identity.invitation_expired" in response.content.decode()
    [record] = AuditRecord.objects.filter(tag="identity:signin:failed")
    assert record.data == {"method": "invitation", "reason": "invitation_expired"}
    assert record.chain_id == SAKU


def test_unknown_invitation_token_is_refused(client: Client, demo: Any) -> None:
    # when
    page = client.get("/staff/invitation/not-a-real-token/")
    options = _post_json(client, "/staff/invitation/not-a-real-token/options/")

    # then
    assert page.status_code == 404
    assert "identity.invitation_invalid" in page.content.decode()
    assert options.status_code == 404
    assert options.json()["code"] == "identity.invitation_invalid"
    assert set(options.json()["message"]) == {"ja", "en"}
    assert len(_failures("invitation_invalid")) == 2


def test_used_invitation_cannot_enrol_a_second_passkey(demo: Any) -> None:
    # given the invitation was used
    token = _invite("saku-health")
    user = services.invitation_redeem_begin(token=token)
    options, challenge = services.passkey_registration_options(user=user, rp_id=RP_ID, rp_name="H")
    services.passkey_register(
        user=user, credential_json=SoftAuthenticator().create(options), challenge=challenge,
        rp_id=RP_ID, origin=ORIGIN, name="", invitation_token=token,
    )  # fmt: skip

    # when someone replays the same link with another authenticator
    options, challenge = services.passkey_registration_options(user=user, rp_id=RP_ID, rp_name="H")
    with pytest.raises(AppError) as refused:
        services.passkey_register(
            user=user, credential_json=SoftAuthenticator().create(options), challenge=challenge,
            rp_id=RP_ID, origin=ORIGIN, name="", invitation_token=token,
        )  # fmt: skip

    # then
    assert refused.value.code == "identity.invitation_used"
    assert Passkey.objects.filter(user=user).count() == 1
    failed = AuditRecord.objects.get(tag="identity:passkey:registration-failed")
    assert failed.data["reason"] == "invitation_used"


def test_a_new_invitation_replaces_the_previous_one(demo: Any) -> None:
    # given
    old = _invite("saku-health")

    # when
    new = _invite("saku-health")

    # then
    with pytest.raises(AppError) as refused:
        services.invitation_redeem_begin(token=old)
    assert refused.value.code == "identity.invitation_expired"
    assert services.invitation_redeem_begin(token=new).username == "saku-health"


def test_only_the_towns_admin_or_the_agency_may_invite(demo: Any) -> None:
    # when / then: an admin of another town, and a non-admin of the same town, are refused
    for inviter in ["komoro-admin", "saku-finance", "agency"]:
        with pytest.raises(PermissionDenied):
            _invite("saku-health", by=inviter)
    # the agency invites its own staff; the operator at the command line invites anyone
    assert _invite("agency", by="agency")
    assert services.invitation_create(user=_user("komoro-health"), actor=Actor.command_line())
    assert Invitation.objects.count() == 2


def test_registration_without_user_verification_is_refused_and_keeps_the_invitation(client: Client, demo: Any) -> None:
    # given an authenticator that does not verify the user (no PIN, no biometrics)
    token = _invite("saku-health")
    options = _post_json(client, f"/staff/invitation/{token}/options/")

    # when
    answer = _post_json(
        client,
        f"/staff/invitation/{token}/verify/",
        {"credential": json.loads(SoftAuthenticator(user_verified=False).create(options.content))},
    )

    # then
    assert answer.status_code == 422
    assert answer.json()["code"] == "identity.passkey_registration_invalid"
    assert _signed_in_as(client) is None
    assert Passkey.objects.count() == 0
    assert Invitation.objects.get().used_at is None
    failed = AuditRecord.objects.get(tag="identity:passkey:registration-failed")
    assert failed.data["reason"] == "invalid_response"
    assert failed.chain_id == SAKU


def test_invite_command_prints_a_working_link(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    call_command("identity_invite", username="saku-counter", base_url="https://hiroba.example.jp/")

    # then
    link = capsys.readouterr().out.strip()
    match = re.fullmatch(r"https://hiroba\.example\.jp/staff/invitation/([A-Za-z0-9_-]+)/", link)
    assert match, link
    assert services.invitation_redeem_begin(token=match.group(1)).username == "saku-counter"
    assert AuditRecord.objects.get(tag="identity:invitation:created").actor == "operator"


# ------------------------------------------------------------------------------------------------ passkey sign-in


def test_passkey_signs_a_staff_member_in(client: Client, demo: Any) -> None:
    # given
    authenticator = _enrol("saku-health")

    # when
    options = _post_json(client, "/staff/login/passkey/options/")
    answer = _post_json(
        client,
        "/staff/login/passkey/verify/",
        {"credential": json.loads(authenticator.get(options.content)), "next": "https://evil.example/"},
    )

    # then
    request = json.loads(options.content)
    assert request["userVerification"] == "required"
    assert request.get("allowCredentials", []) == []
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"redirect": "/staff/"}
    assert _signed_in_as(client) == "saku-health"
    assert client.get("/staff/").status_code == 200
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None
    success = AuditRecord.objects.get(tag="identity:signin:passkey")
    assert success.chain_id == SAKU
    assert success.actor == f"user:{_user('saku-health').public_id}"


def test_passkey_sign_in_goes_back_to_the_page_asked_for(client: Client, demo: Any) -> None:
    # given
    authenticator = _enrol("saku-admin")

    # when
    answer = _passkey_sign_in(client, authenticator, next="/staff/m/202177/staff/")

    # then
    assert answer.json() == {"redirect": "/staff/m/202177/staff/"}


def test_a_challenge_is_used_once(client: Client, demo: Any) -> None:
    # given a successful sign-in
    authenticator = _enrol("saku-health")
    options = _post_json(client, "/staff/login/passkey/options/")
    credential = json.loads(authenticator.get(options.content))
    assert _post_json(client, "/staff/login/passkey/verify/", {"credential": credential}).status_code == 200

    # when the same answer is posted again from another browser
    other = Client()
    replay = _post_json(other, "/staff/login/passkey/verify/", {"credential": credential})

    # then
    assert replay.status_code == 401
    assert replay.json()["code"] == "identity.passkey_challenge_missing"
    assert _signed_in_as(other) is None
    assert len(_failures("no_challenge")) == 1


def test_a_cloned_passkey_is_refused_and_the_refusal_audited(client: Client, demo: Any) -> None:
    # given the server has seen the counter at 10, and a copy of the key answers with 6
    authenticator = _enrol("saku-health")
    Passkey.objects.update(sign_count=10)
    authenticator.counter = 5

    # when
    answer = _passkey_sign_in(client, authenticator)

    # then
    assert answer.status_code == 401
    assert answer.json()["code"] == "identity.passkey_cloned"
    assert _signed_in_as(client) is None
    assert Passkey.objects.get().sign_count == 10
    [record] = _failures("cloned")
    assert record.chain_id == SAKU
    assert record.data["stored_count"] == 10
    assert record.data["received_count"] == 6
    assert not AuditRecord.objects.filter(tag="identity:signin:passkey").exists()


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("unknown", "identity.passkey_unknown", "unknown_credential"),
        ("no_user_verification", "identity.passkey_invalid", "invalid_response"),
        ("other_origin", "identity.passkey_invalid", "invalid_response"),
        ("garbage", "identity.passkey_invalid", "malformed"),
    ],
)
def test_bad_passkey_answers_are_refused(client: Client, demo: Any, case: str, code: str, reason: str) -> None:
    # given
    authenticator = _enrol("saku-health")
    options = _post_json(client, "/staff/login/passkey/options/")
    if case == "unknown":
        credential: Any = json.loads(SoftAuthenticator().get(options.content))
    elif case == "no_user_verification":
        authenticator.user_verified = False
        credential = json.loads(authenticator.get(options.content))
    elif case == "other_origin":
        credential = json.loads(authenticator.get(options.content, origin="https://phishing.example"))
    else:
        credential = {"id": "x"}

    # when
    answer = _post_json(client, "/staff/login/passkey/verify/", {"credential": credential})

    # then
    assert answer.status_code == 401
    assert answer.json()["code"] == code
    assert answer.json()["message"]["ja"]
    assert _signed_in_as(client) is None
    assert len(_failures(reason)) == 1


def test_a_passkey_of_a_different_account_handle_or_a_disabled_account_is_refused(client: Client, demo: Any) -> None:
    # given one passkey that answers with another account's user handle, and one of a disabled account
    mismatched = _enrol("saku-health")
    mismatched.user_handle = _user("saku-admin").public_id.encode()
    disabled = _enrol("saku-finance")
    User.objects.filter(username="saku-finance").update(is_active=False)

    # when
    first = _passkey_sign_in(client, mismatched)
    second = _passkey_sign_in(client, disabled)

    # then
    assert first.status_code == second.status_code == 401
    assert _signed_in_as(client) is None
    assert len(_failures("user_handle_mismatch")) == 1
    assert len(_failures("inactive")) == 1


def test_passkey_attempts_are_throttled_per_credential(client: Client, demo: Any) -> None:
    # given ten refused attempts with one credential (an attacker replaying it)
    authenticator = _enrol("saku-health")
    for _ in range(10):
        with pytest.raises(AppError):
            services.passkey_authenticate(
                credential_json=authenticator.get(json.dumps({"rpId": RP_ID, "challenge": "AAAA"})),
                challenge=b"other challenge",
                rp_id=RP_ID,
                origin=ORIGIN,
            )

    # when the owner then tries properly
    answer = _passkey_sign_in(client, authenticator)

    # then
    assert answer.status_code == 429
    assert answer.json()["code"] == "identity.throttled.passkey_credential"
    assert len(_failures("throttled")) == 1


def test_each_client_address_has_an_allowance_of_sign_in_steps(client: Client, demo: Any) -> None:
    # given
    for _ in range(services.SIGN_IN_CLIENT.hits):
        services.sign_in_throttle(ip="127.0.0.1", step="passkey_options")

    # when
    answer = _post_json(client, "/staff/login/passkey/options/")

    # then
    assert answer.status_code == 429
    assert answer.json()["code"] == "identity.throttled.signin_client"
    assert _failures("throttled")[0].data["method"] == "passkey_options"


def test_merchant_signs_in_with_a_passkey_and_lands_on_their_shops(client: Client, db: None) -> None:
    # given
    _merchant()
    authenticator = _enrol("shop-1")

    # when
    answer = _passkey_sign_in(client, authenticator)

    # then
    assert answer.json() == {"redirect": "/shop/"}
    assert _signed_in_as(client) == "shop-1"
    assert AuditRecord.objects.get(tag="identity:signin:passkey").chain_id == "platform"


def test_the_same_passkey_is_not_registered_twice(demo: Any) -> None:
    # given
    authenticator = _enrol("saku-health")

    # when
    with pytest.raises(AppError) as refused:
        _enrol("saku-health", authenticator)

    # then
    assert refused.value.code == "identity.passkey_exists"
    assert Passkey.objects.count() == 1


def test_residents_do_not_get_passkeys_or_invitations(db: None) -> None:
    # given
    resident = User.objects.create_user("resident-1", None, full_name="見本 住子", kind=AccountKind.RESIDENT)

    # when / then
    with pytest.raises(AppError) as no_invitation:
        services.invitation_create(user=resident, actor=Actor.command_line())
    with pytest.raises(AppError) as no_passkey:
        _enrol("resident-1")
    assert no_invitation.value.code == "identity.invitation_not_for_residents"
    assert no_passkey.value.code == "identity.passkey_not_allowed"


def test_an_invitation_for_a_disabled_account_is_invalid(demo: Any) -> None:
    # given
    token = _invite("saku-health")
    User.objects.filter(username="saku-health").update(is_active=False)

    # when
    with pytest.raises(AppError) as refused:
        services.invitation_redeem_begin(token=token)

    # then
    assert refused.value.code == "identity.invitation_invalid"


def test_passkey_endpoints_keep_csrf_protection(demo: Any) -> None:
    # given a browser without the CSRF token
    client = Client(enforce_csrf_checks=True)

    # when
    response = _post_json(client, "/staff/login/passkey/options/")

    # then
    assert response.status_code == 403


# ------------------------------------------------------------------------------------------------ own passkeys


def test_staff_cannot_delete_their_last_passkey(client: Client, demo: Any) -> None:
    # given
    _enrol("saku-health")
    _sign_in_with_password(client, "saku-health")
    passkey = Passkey.objects.get()

    # when
    response = client.post("/staff/passkeys/", {"action": "delete", "passkey": passkey.pk})

    # then
    assert response.status_code == 409
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "identity.last_passkey" in page
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_staff_rename_and_delete_a_second_passkey_without_javascript(client: Client, demo: Any) -> None:
    # given
    _enrol("saku-health")
    _enrol("saku-health")
    _sign_in_with_password(client, "saku-health")
    first, second = passkey_list(user=_user("saku-health"))

    # when
    renamed = client.post("/staff/passkeys/", {"action": "rename", "passkey": second.pk, "name": " 予備の鍵 "})
    deleted = client.post("/staff/passkeys/", {"action": "delete", "passkey": first.pk})

    # then
    assert renamed.status_code == deleted.status_code == 302
    assert [p.name for p in passkey_list(user=_user("saku-health"))] == ["予備の鍵"]
    page = client.get("/staff/passkeys/").content.decode()
    assert "予備の鍵" in page
    records = AuditRecord.objects.filter(chain_id=SAKU, tag__startswith="identity:passkey:").order_by("seq")
    tags = list(records.values_list("tag", flat=True))
    assert tags[-2:] == ["identity:passkey:renamed", "identity:passkey:deleted"]


def test_a_passkey_needs_a_name_of_at_most_60_characters(client: Client, demo: Any) -> None:
    # given
    _enrol("saku-health")
    _sign_in_with_password(client, "saku-health")
    passkey = Passkey.objects.get()

    # when
    blank = client.post("/staff/passkeys/", {"action": "rename", "passkey": passkey.pk, "name": "  "})
    long = client.post("/staff/passkeys/", {"action": "rename", "passkey": passkey.pk, "name": "鍵" * 61})

    # then
    assert blank.status_code == long.status_code == 422
    assert "identity.passkey_name_invalid" in blank.content.decode()
    assert "identity.form_invalid" in long.content.decode()
    assert Passkey.objects.get().name == "office PC"


def test_nobody_deletes_another_accounts_passkey(client: Client, demo: Any) -> None:
    # given
    _enrol("saku-health")
    _enrol("saku-health")
    _sign_in_with_password(client, "saku-admin")
    theirs = passkey_list(user=_user("saku-health"))[0]

    # when
    response = client.post("/staff/passkeys/", {"action": "delete", "passkey": theirs.pk})

    # then
    assert response.status_code == 404
    assert Passkey.objects.count() == 2


def test_signed_in_staff_add_another_passkey(client: Client, demo: Any) -> None:
    # given
    _sign_in_with_password(client, "saku-admin")
    authenticator = SoftAuthenticator()

    # when
    options = _post_json(client, "/staff/passkeys/options/")
    answer = _post_json(
        client,
        "/staff/passkeys/verify/",
        {"credential": json.loads(authenticator.create(options.content)), "name": "スマートフォン"},
    )

    # then
    assert answer.status_code == 200, answer.content
    assert [p.name for p in passkey_list(user=_user("saku-admin"))] == ["スマートフォン"]
    assert AuditRecord.objects.get(tag="identity:passkey:registered").data["invitation"] is False


# ------------------------------------------------------------------------------------------------ development password


def test_password_is_refused_when_switched_off(client: Client, demo: Any, settings: Any) -> None:
    # given
    settings.STAFF_PASSWORD_SIGN_IN = False
    from hiroba.demo import DEMO_PASSWORD

    # when
    page = client.get("/staff/login/").content.decode()
    response = client.post("/staff/login/", {"username": "saku-admin", "password": DEMO_PASSWORD})

    # then
    assert 'id="id_password"' not in page
    assert "passkey-heading" in page
    assert response.status_code == 403
    assert "identity.password_disabled" in response.content.decode()
    assert _signed_in_as(client) is None
    [record] = _failures("password_disabled")
    assert record.chain_id == SAKU


def test_password_signs_in_on_developers_machines_and_wrong_ones_are_audited(client: Client, demo: Any) -> None:
    # given settings.STAFF_PASSWORD_SIGN_IN is on in the test settings
    assert settings.STAFF_PASSWORD_SIGN_IN

    # when
    wrong = client.post("/staff/login/", {"username": "saku-admin", "password": "not-it"})
    unknown = client.post("/staff/login/", {"username": "nobody", "password": "not-it"})
    _sign_in_with_password(client, "saku-admin")

    # then
    assert wrong.status_code == unknown.status_code == 401
    assert 'role="alert"' in wrong.content.decode()
    assert "identity.password_invalid" in wrong.content.decode()
    assert len(_failures("bad_credentials")) == 2
    assert _signed_in_as(client) == "saku-admin"
    assert AuditRecord.objects.get(tag="identity:signin:password").chain_id == SAKU


# ------------------------------------------------------------------------------------------------ e-mail codes


def _code_from_mail() -> str:
    match = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert match
    return match.group(1)


def _ask_for_code(client: Client, email: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/merchant/login/", {"action": "send", "email": email})


def test_merchant_signs_in_with_an_emailed_code(
    client: Client, db: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    merchant = _merchant()

    # when
    sent = _ask_for_code(client, "Shop@Example.jp", django_capture_on_commit_callbacks)
    form = client.get("/merchant/login/")
    code = _code_from_mail()
    signed_in = client.post("/merchant/login/", {"action": "verify", "code": code})

    # then
    assert sent.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["shop@example.jp"]
    assert "ログイン用コード" in mail.outbox[0].body
    assert "sign-in code" in mail.outbox[0].body
    assert 'autocomplete="one-time-code"' in form.content.decode()
    stored = EmailCode.objects.get()
    assert code not in stored.code_hash
    assert signed_in.status_code == 302
    assert _signed_in_as(client) == merchant.username
    assert AuditRecord.objects.get(tag="identity:signin:email-code").chain_id == "platform"

    # and the code works once only
    assert EmailCode.objects.get().used_at is not None
    with pytest.raises(AppError) as refused:
        services.email_code_verify(email="shop@example.jp", code=code)
    assert refused.value.code == "identity.email_code_invalid"


def test_unknown_address_gets_the_same_answer_as_a_known_one(db: None, django_capture_on_commit_callbacks: Any) -> None:
    # given
    _merchant()
    known, unknown = Client(), Client()

    # when
    known_answer = _ask_for_code(known, "shop@example.jp", django_capture_on_commit_callbacks)
    unknown_answer = _ask_for_code(unknown, "nobody@example.jp", django_capture_on_commit_callbacks)

    # then
    assert (known_answer.status_code, known_answer["Location"]) == (
        unknown_answer.status_code,
        unknown_answer["Location"],
    )
    known_page = known.get("/merchant/login/").content.decode()
    unknown_page = unknown.get("/merchant/login/").content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|shop@example\.jp|nobody@example\.jp')
    assert strip.sub("", known_page) == strip.sub("", unknown_page)
    assert len(mail.outbox) == 1
    assert len(_failures("unknown_email")) == 1


def test_wrong_code_is_refused_and_audited(client: Client, db: None, django_capture_on_commit_callbacks: Any) -> None:
    # given
    _merchant()
    _ask_for_code(client, "shop@example.jp", django_capture_on_commit_callbacks)
    code = _code_from_mail()
    wrong = "000000" if code != "000000" else "111111"

    # when
    response = client.post("/merchant/login/", {"action": "verify", "code": wrong})

    # then
    assert response.status_code == 422
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "identity.email_code_invalid" in page
    assert _signed_in_as(client) is None
    [record] = _failures("wrong_code")
    assert record.data["attempt"] == 1
    assert EmailCode.objects.get().attempts == 1


def test_expired_code_is_refused(db: None, django_capture_on_commit_callbacks: Any) -> None:
    # given
    _merchant()
    with django_capture_on_commit_callbacks(execute=True):
        services.email_code_send(email="shop@example.jp")
    EmailCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    with pytest.raises(AppError) as refused:
        services.email_code_verify(email="shop@example.jp", code=_code_from_mail())

    # then
    assert refused.value.code == "identity.email_code_invalid"
    assert len(_failures("expired")) == 1


def test_a_code_allows_five_attempts_only(db: None, django_capture_on_commit_callbacks: Any) -> None:
    # given
    _merchant()
    with django_capture_on_commit_callbacks(execute=True):
        services.email_code_send(email="shop@example.jp")
    code = _code_from_mail()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(AppError):
            services.email_code_verify(email="shop@example.jp", code=wrong)

    # when the right code comes sixth
    with pytest.raises(AppError) as refused:
        services.email_code_verify(email="shop@example.jp", code=code)

    # then
    assert refused.value.code == "identity.email_code_invalid"
    assert len(_failures("wrong_code")) == 5
    assert len(_failures("attempts_exhausted")) == 1


def test_full_width_digits_are_accepted(db: None, django_capture_on_commit_callbacks: Any) -> None:
    # given
    merchant = _merchant()
    with django_capture_on_commit_callbacks(execute=True):
        services.email_code_send(email="shop@example.jp")
    full_width = _code_from_mail().translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    # when
    user = services.email_code_verify(email="shop@example.jp", code=f" {full_width[:3]} {full_width[3:]}")

    # then
    assert user == merchant


def test_code_requests_are_throttled_per_address(client: Client, db: None) -> None:
    # given five requests in the window
    for _ in range(5):
        services.email_code_send(email="nobody@example.jp")

    # when
    response = client.post("/merchant/login/", {"action": "send", "email": "NOBODY@example.jp"})

    # then
    assert response.status_code == 429
    assert "identity.throttled.email_code_send" in response.content.decode()
    assert len(_failures("throttled")) == 1


# ------------------------------------------------------------------------------------------------ sessions


def test_session_cookie_is_http_only_and_same_site(client: Client, demo: Any) -> None:
    # when
    response = client.post("/staff/login/", {"username": "saku-admin", "password": "hiroba-demo-2026"})

    # then
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_sign_out_everywhere_ends_the_other_browsers_session(demo: Any) -> None:
    # given the same person signed in on two computers
    office, home = Client(), Client()
    _sign_in_with_password(office, "saku-admin")
    _sign_in_with_password(home, "saku-admin")
    assert home.get("/staff/").status_code == 200

    # when
    response = office.post("/staff/signout-everywhere/")

    # then
    assert response.status_code == 302
    assert home.get("/staff/").status_code == 302
    assert office.get("/staff/").status_code == 302
    assert AuditRecord.objects.filter(tag="identity:session:signed-out-everywhere").count() == 1


def test_sign_out_ends_this_session(client: Client, demo: Any) -> None:
    # given
    _sign_in_with_password(client, "saku-admin")

    # when
    response = client.post("/staff/logout/")

    # then
    assert response.status_code == 302
    assert _signed_in_as(client) is None
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


@pytest.mark.parametrize("limit", ["idle", "absolute"])
def test_sessions_end_after_the_idle_and_absolute_time_outs(client: Client, demo: Any, limit: str) -> None:
    # given a signed-in session that has been idle, or alive, for one second too long
    _sign_in_with_password(client, "saku-admin")
    now = int(time.time())
    session = client.session
    if limit == "idle":
        session[SEEN_AT] = now - settings.SESSION_IDLE_TIMEOUT - 1
    else:
        session[AUTH_AT] = now - settings.SESSION_ABSOLUTE_TIMEOUT - 1
        session[SEEN_AT] = now
    session.save()

    # when
    response = client.get("/staff/")

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert _signed_in_as(client) is None


def test_staying_signed_in_moves_the_idle_clock_but_not_the_absolute_one(client: Client, demo: Any) -> None:
    # given a session idle for 25 minutes of its 30
    assert client.post("/session/extend/").status_code == 302  # nobody signed in: to the sign-in page
    _sign_in_with_password(client, "saku-admin")
    now = int(time.time())
    session = client.session
    session[SEEN_AT] = now - settings.SESSION_IDLE_TIMEOUT + 300
    auth_at = session[AUTH_AT]
    session.save()

    # when the time-out warning's button is pressed
    response = client.post("/session/extend/")

    # then the idle time counts from now, and the sign-in time stays
    assert response.status_code == 200
    assert response.json()["idle_seconds_left"] >= settings.SESSION_IDLE_TIMEOUT - 2
    assert client.session[AUTH_AT] == auth_at
    assert client.session[SEEN_AT] >= now
