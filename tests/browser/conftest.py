"""Shared by the browser tests: browser contexts that close themselves after each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

TIMEOUT_MS = 15_000


@pytest.fixture
def open_context(chromium: Any) -> Iterator[Any]:
    """Open browser contexts (one per call; Japanese unless told otherwise) and close them all after the test."""
    contexts: list[Any] = []

    def _open(**options: Any) -> Any:
        options.setdefault("locale", "ja-JP")
        context = chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield _open
    for context in contexts:
        context.close()
