"""Production: only hardening on top of base.py; everything else comes from the environment."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403 (settings modules extend the base namespace)
from .base import SECRET_KEY, env

MIN_SECRET_KEY_LENGTH = 50

if len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

for _name in ("SITE_ORIGIN", "IDENTITY_PAIRWISE_KEY", "IDENTITY_LOOKUP_KEY"):
    if len(str(globals()[_name])) < (8 if _name == "SITE_ORIGIN" else 32):
        raise ImproperlyConfigured(f"{_name} must be set in production (see .env.example).")
if env.bool("TEST_RIG", default=False) or env.bool("STAFF_PASSWORD_SIGN_IN", default=False):
    raise ImproperlyConfigured(
        "TEST_RIG and STAFF_PASSWORD_SIGN_IN are for developers' machines only and are refused in production."
    )
TEST_RIG = False
STAFF_PASSWORD_SIGN_IN = False
if not env.str("LEARNING_BADGE_KEY_FILE", default=""):
    raise ImproperlyConfigured(
        "LEARNING_BADGE_KEY_FILE (an Ed25519 PEM key that signs badges) must be set in production."
    )

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=True) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63_072_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
