"""The settings modules as an operator meets them: imported in a fresh interpreter with a chosen environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Variables that would make the result depend on the machine running the tests.
SCRUBBED = (
    "SECRET_KEY",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECURE_HSTS_SECONDS",
    "SITE_ORIGIN",
    "IDENTITY_PAIRWISE_KEY",
    "IDENTITY_LOOKUP_KEY",
    "TEST_RIG",
    "STAFF_PASSWORD_SIGN_IN",
    "LEARNING_BADGE_KEY_FILE",
)
# What production needs besides SECRET_KEY: the origin signatures are bound to, the identity keys, and the key that
# signs staff's course badges.
PRODUCTION_IDENTITY = {
    "SITE_ORIGIN": "https://hiroba.example.lg.jp",
    "IDENTITY_PAIRWISE_KEY": "p" * 40,
    "IDENTITY_LOOKUP_KEY": "l" * 40,
    "LEARNING_BADGE_KEY_FILE": "/etc/hiroba/badge.pem",
}
PRINT_SETTINGS = """
import json, sys, importlib
module = importlib.import_module(sys.argv[1])
names = sys.argv[2:]
print(json.dumps({name: getattr(module, name) for name in names}, default=str))
"""


def _env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(overrides)
    return env


def _import(module: str, *names: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS, module, *names],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _settings(module: str, *names: str, **env: str) -> dict[str, Any]:
    result = _import(module, *names, **env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_production_refuses_to_start_without_a_secret_key() -> None:
    # given an environment without SECRET_KEY

    # when
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    # given
    short_key = "k" * 20

    # when
    result = _import("config.settings.production", "DEBUG", SECRET_KEY=short_key)

    # then
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_with_a_long_secret_key_is_hardened() -> None:
    # given
    key = "s3cr3t-" + "x" * 57
    assert len(key) == 64

    # when
    loaded = _settings(
        "config.settings.production",
        "DEBUG",
        "SECRET_KEY",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "TEST_RIG",
        "STAFF_PASSWORD_SIGN_IN",
        SECRET_KEY=key,
        **PRODUCTION_IDENTITY,
    )

    # then
    assert loaded["SECRET_KEY"] == key
    assert loaded["DEBUG"] is False
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["LANGUAGE_COOKIE_SECURE"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] > 0
    assert loaded["TEST_RIG"] is False
    assert loaded["STAFF_PASSWORD_SIGN_IN"] is False


def test_production_refuses_to_start_without_the_identity_keys() -> None:
    for missing in PRODUCTION_IDENTITY:
        env = {k: v for k, v in PRODUCTION_IDENTITY.items() if k != missing}
        result = _import("config.settings.production", "DEBUG", SECRET_KEY="k" * 64, **env)
        assert result.returncode != 0
        assert missing in result.stderr


def test_production_refuses_the_test_rig_and_staff_passwords() -> None:
    for flag in ("TEST_RIG", "STAFF_PASSWORD_SIGN_IN"):
        result = _import(
            "config.settings.production", "DEBUG", SECRET_KEY="k" * 64, **PRODUCTION_IDENTITY, **{flag: "true"}
        )
        assert result.returncode != 0
        assert flag in result.stderr


def test_base_defaults_are_japanese_time_and_language_on_sqlite_with_wal() -> None:
    # given an environment without DATABASE_URL

    # when
    loaded = _settings("config.settings.base", "TIME_ZONE", "LANGUAGE_CODE", "USE_TZ", "DATABASES")

    # then
    assert loaded["TIME_ZONE"] == "Asia/Tokyo"
    assert loaded["LANGUAGE_CODE"] == "ja"
    assert loaded["USE_TZ"] is True
    database = loaded["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_database_url_selects_postgresql() -> None:
    # given
    url = "postgresql://u:p@h:5433/db"

    # when
    loaded = _settings("config.settings.base", "DATABASES", DATABASE_URL=url)

    # then
    database = loaded["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"], database["HOST"]) == ("db", "u", "p", "h")
    assert int(database["PORT"]) == 5433
    assert "transaction_mode" not in database.get("OPTIONS", {})
    assert database["CONN_HEALTH_CHECKS"] is True
