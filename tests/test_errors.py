"""A bug becomes a plain 500 with a code and two messages, never a stack trace or a secret."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.urls("tests.urls_failing")
@pytest.mark.django_db
@pytest.mark.parametrize(("path", "json"), [("/broken/", False), ("/api/broken/", True)])
def test_a_bug_shows_no_stack_trace(path: str, json: bool) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(path)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body
    assert "hunter2" not in body
    assert "RuntimeError" not in body
    if json:
        assert response.json()["code"] == "server.error"
        assert response.json()["message"]["ja"]
    else:
        assert "server.error" in body
        assert "システムの不具合" in body
        assert "Something went wrong" in body
