"""The test rig's stand-in for the Digital Authentication App: a dev-only OpenID Provider that signs in with a
virtual My Number Card. Refused at start-up in production (settings.TEST_RIG is forced off there) and its URLs are
mounted only on a test rig.
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.cache import cache
from joserfc import jwk

from hiroba.identity import jpki, oidc
from hiroba.identity.keys import lookup_hash
from hiroba.identity.services.oidc import CALLBACK_PATH

CLIENT_ID = "hiroba-dev-rp"


def _rig_dir() -> Path:
    return Path(settings.TEST_RIG_DIR) / "oidc"


def _ensure_key(name: str) -> jwk.RSAKey:
    path = _rig_dir() / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = jwk.RSAKey.generate_key(2048, auto_kid=True)
        path.write_text(json.dumps(key.as_dict(private=True)))
        path.chmod(0o600)
    return jwk.RSAKey.import_key(json.loads(path.read_text()))


@functools.cache
def rp_key() -> jwk.RSAKey:
    return _ensure_key("rp-key.json")


@functools.cache
def _provider_key() -> jwk.RSAKey:
    return _ensure_key("provider-key.json")


def keys_reset() -> None:
    rp_key.cache_clear()
    _provider_key.cache_clear()


class CacheCodeStore:
    """Authorization codes in Django's cache (a test rig runs one process)."""

    def put(self, code: str, record: dict[str, Any], *, ttl: int) -> None:
        cache.set(f"devop:code:{code}", record, ttl)

    def take(self, code: str) -> dict[str, Any] | None:
        key = f"devop:code:{code}"
        record: dict[str, Any] | None = cache.get(key)
        cache.delete(key)
        return record


def provider(*, origin: str) -> oidc.DevProvider:
    redirect_uri = origin + CALLBACK_PATH
    client = oidc.RegisteredClient(
        client_id=CLIENT_ID,
        redirect_uris=(redirect_uri,),
        jwks=oidc.client_jwks(oidc.ClientConfig(client_id=CLIENT_ID, redirect_uri=redirect_uri, private_key=rp_key())),
    )
    return oidc.DevProvider(
        issuer=origin + "/dev/oidc",
        signing_key=_provider_key(),
        clients={CLIENT_ID: client},
        pairwise_secret=lookup_hash("dev-provider", "pairwise").encode(),
        codes=CacheCodeStore(),
    )


class InProcessTransport:
    """Lets the relying party reach the dev provider of the same process without an HTTP round trip."""

    def __init__(self, provider: oidc.DevProvider) -> None:
        self.provider = provider

    def get_json(self, url: str) -> dict[str, Any]:
        path = urlsplit(url).path
        if path.endswith("/jwks"):
            return self.provider.jwks()
        return self.provider.metadata()

    def post_form(self, url: str, data: Any) -> tuple[int, dict[str, Any]]:
        if not url.endswith("/token"):
            return 404, {"error": "not_found"}
        try:
            return 200, self.provider.token(dict(data), now=int(time.time()))
        except oidc.OidcError as error:
            return 400, {"error": error.code, "error_description": error.message}


def user_key(validated: jpki.ValidatedCertificate) -> str:
    """How the dev provider recognises a card holder: its authentication certificate's CA and serial."""
    return f"{validated.issuer_key_id.hex()}:{validated.serial}"


def facts_claims(facts: jpki.BasicFacts) -> dict[str, str]:
    return {
        "name": facts.name,
        "address": facts.address,
        "birthdate": facts.birth_date.isoformat(),
        "gender": {"1": "male", "2": "female"}.get(facts.sex, "other"),
    }


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))
