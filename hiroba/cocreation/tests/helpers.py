"""What the co-creation tests share: acting as a demo staff member, their signed-in browser, and a refusal's code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hiroba.core.audit import Actor
from hiroba.core.errors import AppError
from hiroba.core.models import Channel
from hiroba.identity.models import User


def staff(username: str) -> Actor:
    """A demo staff member (`saku-admin`, `agency`, …) acting on the web."""
    return Actor.for_user(User.objects.get(username=username), channel=Channel.WEB)


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def refused(code: str, call: Any, **kwargs: Any) -> None:
    """`call(**kwargs)` is refused with the reason `code`."""
    with pytest.raises(AppError) as caught:
        call(**kwargs)
    assert caught.value.code == code
