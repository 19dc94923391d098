"""Suite-wide test set-up: database selection, the `postgres` and `browser` markers, shared fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = os.environ.get("HIROBA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "tests" / "artifacts"
IN_CI = os.environ.get("CI") == "true"


def on_postgres() -> bool:
    return str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")


def pytest_report_header(config: pytest.Config) -> list[str]:
    browser = CHROMIUM if shutil.which(CHROMIUM) else "not found (browser tests skipped)"
    return [f"hiroba: database {settings.DATABASES['default']['ENGINE']}, chromium {browser}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need real row locks: on SQLite they are deselected, not skipped."""
    if on_postgres():
        return
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def demo(db: None) -> list[tuple[str, str]]:
    """The demo tenants: seven municipalities, the Saku currency area, staff for each town and the agency."""
    from hiroba.demo import demo_load

    return demo_load()


@pytest.fixture
def login(client: Client) -> Any:
    """Sign a demo user in on the test client: `login("saku-admin")`."""
    from hiroba.identity.models import User

    def _login(username: str) -> Client:
        client.force_login(User.objects.get(username=username))
        return client

    return _login


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright. Without it the browser tests are skipped, except in CI."""
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: install Debian's chromium to run the browser tests"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls in the same test are synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
