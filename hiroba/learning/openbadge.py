"""Open Badges 3.0 completion credentials, secured as VC-JWT (JOSE) with EdDSA over Ed25519. Django-free.

The credential is an `OpenBadgeCredential` in the Verifiable Credentials Data Model 2.0 with the Open Badges 3.0
context. The JWT payload is the credential itself, with the registered claims that mirror it: `iss` (issuer.id),
`jti` (the credential's id) and `nbf` (validFrom). The JOSE header carries `alg: EdDSA`, `typ: vc+jwt` and the `kid`
of the platform's key, which the issuer profile publishes as a JWKS. (RFC 9864 renames this algorithm "Ed25519";
Open Badges verifiers know it as "EdDSA", so that is the name written, and joserfc's deprecation warning for it
is silenced at the two calls below only.)

The learner is named only by display name and a keyed hash (`identityType: identifier`, `hashed: true`): never by
user name or e-mail address. Only the platform, which holds the key, can tell whose hash it is.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import KeySet, OKPKey
from joserfc.jws import JWSRegistry

if TYPE_CHECKING:
    from joserfc.jwk import KeySetSerialization

ALG = "EdDSA"
TYP = "vc+jwt"
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


class BadgeError(ValueError):
    """A token that is not a valid credential of this issuer: bad signature, unknown key, or malformed."""


def _registry() -> JWSRegistry:
    return JWSRegistry(algorithms=[ALG])


def private_jwk(key: Ed25519PrivateKey) -> OKPKey:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return OKPKey.import_key(pem)


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    """The public half as a JWK with its RFC 7638 thumbprint as `kid`, for signature use."""
    jwk = private_jwk(key)
    public = {k: str(v) for k, v in jwk.as_dict(private=False).items() if k in {"kty", "crv", "x"}}
    return {**public, "kid": jwk.thumbprint(), "use": "sig", "alg": ALG}


def jwks(key: Ed25519PrivateKey) -> dict[str, list[dict[str, str]]]:
    return {"keys": [public_jwk(key)]}


@dataclass(frozen=True, slots=True)
class Issuer:
    id: str  # the URL of the issuer profile (JSON)
    name: str
    url: str  # the platform's home page


@dataclass(frozen=True, slots=True)
class Achievement:
    id: str  # the course's URL
    name: str
    description: str
    criteria: str
    language: str = "ja"


def issuer_profile(issuer: Issuer, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The issuer's Profile, with its public key set: what a verifier fetches to check a badge."""
    return {
        "@context": CONTEXT,
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "publicKey": jwks(key),
    }


def _instant(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def credential_build(
    *,
    credential_id: str,
    issuer: Issuer,
    achievement: Achievement,
    display_name: str,
    learner_hash: str,
    issued_at: dt.datetime,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential. `learner_hash` is a keyed hash (hex) standing in for the staff member."""
    return {
        "@context": CONTEXT,
        "id": credential_id,
        "type": TYPES,
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": issuer.url},
        "validFrom": _instant(issued_at),
        "name": achievement.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": display_name},
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": True,
                    "identityHash": f"hmac-sha256${learner_hash}",
                },
            ],
            "achievement": {
                "id": achievement.id,
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": achievement.name,
                "description": achievement.description,
                "criteria": {"narrative": achievement.criteria},
                "inLanguage": achievement.language,
            },
        },
    }


def credential_sign(credential: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    """The compact JWS (VC-JWT) of the credential."""
    valid_from = dt.datetime.fromisoformat(str(credential["validFrom"]).replace("Z", "+00:00"))
    payload = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(valid_from.timestamp()),
    }
    header = {"alg": ALG, "typ": TYP, "kid": public_jwk(key)["kid"]}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(header, body, private_jwk(key), registry=_registry())


def credential_verify(token: str, key_set: Mapping[str, Any]) -> dict[str, Any]:
    """Check the token's signature against a published JWKS and its shape; return the credential (without the
    registered JWT claims). Raises BadgeError on anything wrong."""
    try:
        header = json.loads(_b64_part(token, 0))
    except (ValueError, IndexError) as exc:
        raise BadgeError("not a compact JWS") from exc
    if header.get("alg") != ALG:
        raise BadgeError(f"unexpected alg {header.get('alg')!r}")
    try:
        key = KeySet.import_key_set(cast("KeySetSerialization", dict(key_set))).get_by_kid(str(header.get("kid")))
    except (JoseError, ValueError, KeyError) as exc:
        raise BadgeError("unknown key id") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            verified = jws.deserialize_compact(token, key, registry=_registry())
        payload = json.loads(verified.payload)
    except (JoseError, ValueError) as exc:
        raise BadgeError("bad signature") from exc
    credential = {k: v for k, v in payload.items() if k not in {"iss", "jti", "nbf"}}
    missing = [f for f in ("@context", "id", "type", "issuer", "validFrom", "credentialSubject") if f not in credential]
    if missing or "OpenBadgeCredential" not in credential.get("type", []):
        raise BadgeError(f"not an OpenBadgeCredential (missing {missing})")
    if payload.get("iss") != credential["issuer"].get("id") or payload.get("jti") != credential["id"]:
        raise BadgeError("registered claims do not match the credential")
    return credential


def _b64_part(token: str, index: int) -> bytes:
    part = token.split(".")[index]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
