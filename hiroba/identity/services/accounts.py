"""Writes for accounts. Other apps create and look up users only through these functions."""

from __future__ import annotations

from hiroba.identity.models import User


def user_create(*, username: str, password: str | None, full_name: str, full_name_kana: str, email: str) -> User:
    """Create an account inside the caller's transaction; the caller audits the act it belongs to."""
    return User.objects.create_user(username, password, full_name=full_name, full_name_kana=full_name_kana, email=email)
