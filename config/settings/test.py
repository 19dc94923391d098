"""The test suite. HIROBA_TEST_DATABASE_URL selects PostgreSQL; otherwise an in-memory SQLite database."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .base import *  # noqa: F403 (settings modules extend the base namespace)
from .base import _database, env

SECRET_KEY = "test-only-key-" + "t" * 40
DATABASES = {"default": _database(env.str("HIROBA_TEST_DATABASE_URL", default="sqlite://:memory:"))}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
TEST_RIG = True
STAFF_PASSWORD_SIGN_IN = True
# Tests never write into var/: anything that reaches the test rig without the `rig` fixture uses a scratch folder.
TEST_RIG_DIR = Path(tempfile.mkdtemp(prefix="hiroba-test-rig-"))
