"""The demo and developers' machines: SQLite under var/, static files served from the app directories."""

from __future__ import annotations

from .base import *  # noqa: F403 (settings modules extend the base namespace)
from .base import SECRET_KEY, env

# A fixed key is acceptable only here: local.py is never used in production (production.py refuses one).
SECRET_KEY = SECRET_KEY or "local-demo-only-not-secret-" + "x" * 24
WHITENOISE_USE_FINDERS = True
DEBUG = env.bool("DEBUG", default=False)
# No collectstatic step for the demo: files are served straight from the apps, unhashed.
STORAGES = {
    **STORAGES,  # noqa: F405 (defined in base)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None  # files come from the app directories (WHITENOISE_USE_FINDERS)
TEST_RIG = env.bool("TEST_RIG", default=True)
STAFF_PASSWORD_SIGN_IN = env.bool("STAFF_PASSWORD_SIGN_IN", default=True)
