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


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from package-lock.json (`make install` runs `npm ci`). Without it the test is skipped, except in CI."""
    if not AXE.exists():
        message = f"{AXE} is missing: run `make install` (npm ci) to install axe-core"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---------------------------------------------------------------- the card-less test rig


@pytest.fixture(scope="session")
def rig_ca(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One JPKI-profile test CA for the whole run (RSA key generation is the slow part)."""
    from datetime import UTC, datetime

    from hiroba.identity import jpki

    directory = tmp_path_factory.mktemp("test-rig")
    ca = jpki.make_test_ca(now=datetime.now(UTC))
    ca.save(directory / "ca")
    return directory, ca


@pytest.fixture
def rig(rig_ca: Any, settings: Any, db: None) -> Any:
    """The test rig wired into settings, with a fresh CRL loaded; `rig.card(...)` issues (cached) virtual cards."""
    from hiroba.identity.services.jpki import jpki_config_reset
    from hiroba.identity.testrig import crls_refresh

    directory, ca = rig_ca
    settings.TEST_RIG = True
    settings.TEST_RIG_DIR = directory
    settings.JPKI_AUTH_ANCHORS = []
    jpki_config_reset()
    crls_refresh(ca)
    yield _Rig(directory, ca)
    jpki_config_reset()


_CARDS: dict[tuple[Any, ...], Any] = {}


class _Rig:
    def __init__(self, directory: Path, ca: Any) -> None:
        self.directory = directory
        self.ca = ca

    def card(
        self, name: str = "見本 住子", birth: str = "1987-06-15", address: str = "長野県佐久市中込3056", **options: Any
    ) -> Any:
        """A virtual card (PIN 1234, password ABC123), issued once per distinct set of facts in the run."""
        from datetime import UTC, date, datetime

        from hiroba.identity import jpki

        key = (name, birth, address, tuple(sorted(options.items())))
        if key not in _CARDS:
            _CARDS[key] = jpki.issue_virtual_card(
                self.ca,
                name=name,
                birth_date=date.fromisoformat(birth),
                sex="2",
                address=address,
                now=datetime.now(UTC),
                **options,
            )
        return _CARDS[key]

    def card_file(self, card: Any) -> Path:
        path = self.directory / "cards" / f"card-{card.auth_certificate.serial_number:x}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(card.to_json())
        return path
