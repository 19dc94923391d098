"""Shared by the browser tests: browser contexts that close themselves after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

TIMEOUT_MS = 15_000


@pytest.fixture
def open_context(chromium: Any) -> Iterator[Any]:
    """Open browser contexts (one per call; Japanese unless told otherwise) and close them all after the test.
    `user=` carries that user's session, signed in through the test client, into the context."""
    contexts: list[Any] = []

    def _open(*, user: Any = None, **options: Any) -> Any:
        options.setdefault("locale", "ja-JP")
        context = chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            # the live server listens on localhost; cookies do not depend on the port
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": "localhost", "path": "/"}]
            )
        contexts.append(context)
        return context

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def site(live_server: Any) -> str:
    """The live server's address, with the demo tenants and staff loaded."""
    from hiroba.demo import demo_load

    demo_load()
    return str(live_server.url)


@pytest.fixture
def keyboard_page(open_context: Any, axe_script: Path) -> Any:
    """A phone-sized page with axe-core, for a user who has the keyboard only; `user=` carries a session."""

    def _page(**options: Any) -> Any:
        context = open_context(viewport={"width": 390, "height": 844}, **options)
        context.add_init_script(path=str(axe_script))
        return context.new_page()

    return _page
