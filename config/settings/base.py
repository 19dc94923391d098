"""Settings shared by every environment. Every value that differs between machines comes from the environment."""

from __future__ import annotations

from pathlib import Path

import environ
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py is read when present; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Everything the site writes on disk (the SQLite database, the test rig, the demo's trustee keys, the outbox).
VAR_DIR = Path(env.str("HIROBA_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "hiroba.core",
    "hiroba.identity",
    "hiroba.tenancy",
    "hiroba.ledger",
    "hiroba.wallet",
    "hiroba.health",
    "hiroba.assist",
    "hiroba.voting",
    "hiroba.cocreation",
    "hiroba.learning",
    "hiroba.learning.simulator",
]

MIDDLEWARE = [
    "hiroba.core.observability.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hiroba.identity.middleware.SessionTimeoutMiddleware",
    "hiroba.core.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hiroba.core.errors.AppErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "identity.User"
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hiroba" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "hiroba.core.context_processors.site",
                "hiroba.identity.context_processors.session",
            ],
        },
    }
]


def _database(url: str) -> dict[str, object]:
    db: dict[str, object] = env.db_url_config(url)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so that
        # two writers queue instead of failing half-way with "database is locked".
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hiroba.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Language and time. やさしい日本語 (Easy Japanese) has no registered BCP 47 subtag; Hiroba uses the
# private-use tag "ja-x-easy", which keeps "ja" as the primary language for screen readers and search.
LANGUAGE_CODE = "ja"
EASY_JAPANESE = "ja-x-easy"
LANGUAGES = [
    ("ja", _("Japanese")),
    ("en", _("English")),
    (EASY_JAPANESE, _("Easy Japanese")),
]
LANG_INFO[EASY_JAPANESE] = {
    "bidi": False,
    "code": EASY_JAPANESE,
    "name": "Easy Japanese",
    "name_local": "やさしい日本語",
}
LANGUAGE_COOKIE_NAME = "hiroba_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=False)

# Sessions and cookies. Secure-only cookies and HSTS are switched on in production.py.
SESSION_ENGINE = "hiroba.identity.web"  # Django's database sessions, loaded by one plain statement
SESSION_COOKIE_NAME = "hiroba_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Municipal staff work inside LGWAN, a closed network: every page loads only from this server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# /metrics is for the operator's Prometheus only.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "hiroba.core.observability.JsonFormatter"}},
    # No log line may carry an Individual Number (個人番号): the console handler masks every candidate.
    "filters": {"individual_number": {"()": "hiroba.core.logging.IndividualNumberFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["individual_number"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django logs a request's full traceback at ERROR; keep it (operators need it) but in JSON.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# --- Identity (issue 3) --------------------------------------------------------------------------------------------
# The origin residents' browsers use (https://…, no path). JPKI signatures and passkeys are bound to it, so it must be
# set in production; elsewhere, when empty, it is derived from the request (whose host ALLOWED_HOSTS already checks).
SITE_ORIGIN = env.str("SITE_ORIGIN", default="")
# Keys for pairwise resident IDs and for the keyed hashes that stand in for certificates and external IDs. Changing
# one changes every value made with it (see docs/dev/identity.md for rotation). Empty means "derived from SECRET_KEY",
# which production refuses.
IDENTITY_PAIRWISE_KEY = env.str("IDENTITY_PAIRWISE_KEY", default="")
IDENTITY_LOOKUP_KEY = env.str("IDENTITY_LOOKUP_KEY", default="")
# JPKI trust anchors (PEM files, each may hold several CA generations) and the certificate policies accepted.
JPKI_AUTH_ANCHORS = env.list("JPKI_AUTH_ANCHORS", default=[])
JPKI_SIGN_ANCHORS = env.list("JPKI_SIGN_ANCHORS", default=[])
JPKI_AUTH_POLICY_OIDS = env.list("JPKI_AUTH_POLICY_OIDS", default=["1.2.392.200149.8.5.1.3.30"])
JPKI_SIGN_POLICY_OIDS = env.list("JPKI_SIGN_POLICY_OIDS", default=["1.2.392.200149.8.5.1.1.20"])
# An OCSP responder (J-LIS or a platform operator). CRLs are loaded with `hiroba identity load-crl` on a schedule.
JPKI_OCSP_URL = env.str("JPKI_OCSP_URL", default="")
# The Digital Authentication App (デジタル認証アプリ): issuer (endpoints come from its discovery document), the client
# ID the Digital Agency registered, and the private JWK (a file) used for private_key_jwt. Empty issuer: not offered.
DIGITAL_AUTH_ISSUER = env.str("DIGITAL_AUTH_ISSUER", default="")
DIGITAL_AUTH_CLIENT_ID = env.str("DIGITAL_AUTH_CLIENT_ID", default="")
DIGITAL_AUTH_PRIVATE_KEY_FILE = env.str("DIGITAL_AUTH_PRIVATE_KEY_FILE", default="")
# The card-less test rig: a local JPKI-profile CA, virtual cards, a dev OIDC provider. Never in production.
TEST_RIG = env.bool("TEST_RIG", default=False)
TEST_RIG_DIR = Path(env.str("TEST_RIG_DIR", default=str(VAR_DIR / "test-rig")))
# Session lifetimes: idle and absolute (seconds). Staff share counter terminals, so both are short by default.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=8 * 60 * 60)
# Staff may sign in with a password only on developers' machines; everyone else uses a passkey.
STAFF_PASSWORD_SIGN_IN = env.bool("STAFF_PASSWORD_SIGN_IN", default=False)
# Mail (merchants' one-time sign-in codes). The console backend prints mail on developers' machines.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hiroba@localhost")

# --- Assist: counter sessions and channels beyond e-mail (issue 6) ---------------------------------------------------
# Minutes a counter-assisted session lasts once the resident has agreed.
ASSIST_SESSION_MINUTES = env.int("ASSIST_SESSION_MINUTES", default=30)
# SMS and phone calls go through this gateway class; the default writes each message as JSON under ASSIST_OUTBOX_DIR.
ASSIST_GATEWAY = env.str("ASSIST_GATEWAY", default="hiroba.assist.gateways.FileGateway")
ASSIST_OUTBOX_DIR = Path(env.str("ASSIST_OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
# The automated phone line's shared secret (header X-Phone-Line-Secret); empty refuses every call to its endpoint.
ASSIST_PHONE_LINE_SECRET = env.str("ASSIST_PHONE_LINE_SECRET", default="")
# The sender's department printed on expiry-notice letters, under the municipality's name.
ASSIST_LETTER_DEPARTMENT = env.str("ASSIST_LETTER_DEPARTMENT", default="担当課")

# --- Learning: staff courses and Open Badges (issue 8) --------------------------------------------------------------
# The Ed25519 private key (PEM file) that signs completion badges; its public half is published at
# /learning/issuer.json. Empty: a key derived from SECRET_KEY (developers' machines and tests; production refuses).
LEARNING_BADGE_KEY_FILE = env.str("LEARNING_BADGE_KEY_FILE", default="")
