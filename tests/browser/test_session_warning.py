"""WCAG 2.2.1 in a real Chromium: two minutes before a signed-in session ends for want of use, a dialog offers to
stay signed in, and staying moves the server's idle clock."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore

from hiroba.identity.models import User
from hiroba.identity.services.sessions import SEEN_AT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_warning_comes_before_the_time_out_and_staying_extends_the_session(
    site: str, open_context: Any, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = 123  # the warning is due after 3 s
    clerk = User.objects.get(username="saku-counter")
    context = open_context(user=clerk)
    page = context.new_page()
    page.goto(f"{site}/staff/")
    dialog = page.locator("#session-warning")
    assert not dialog.is_visible()

    # when the page has been left alone until two minutes before the end
    dialog.wait_for(state="visible", timeout=10_000)
    assert page.evaluate("document.activeElement.dataset.sessionStay") == ""  # the button has the focus
    session_key = next(c["value"] for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    before = int(SessionStore(session_key=session_key).load()[SEEN_AT])
    time.sleep(1.1)

    # then one key press keeps the session
    with page.expect_response("**/session/extend/") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    dialog.wait_for(state="hidden")
    assert int(SessionStore(session_key=session_key).load()[SEEN_AT]) > before
    assert page.goto(f"{site}/staff/").status == 200
