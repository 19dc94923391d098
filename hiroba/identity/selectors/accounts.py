"""Reads for accounts."""

from __future__ import annotations

from hiroba.identity.models import User


def user_exists(*, username: str) -> bool:
    return User.objects.filter(username=username).exists()
