"""Reads for passkeys and invitations."""

from __future__ import annotations

from django.db.models import QuerySet

from hiroba.core.errors import NotFound
from hiroba.identity.models import AccountKind, Passkey, User


def passkey_list(*, user: User) -> QuerySet[Passkey]:
    """The account's own passkeys, oldest first (the order they were added in)."""
    return Passkey.objects.filter(user=user).order_by("created_at", "pk")


def invitation_target(*, username: str) -> User:
    """The staff or merchant account an invitation is to be made for (the command line names it)."""
    user = User.objects.filter(username=username).exclude(kind=AccountKind.RESIDENT).first()
    if user is None:
        raise NotFound(
            "identity.user_unknown",
            ja=f"ユーザー名「{username}」の職員・事業者アカウントはありません。",
            en=f"There is no staff or merchant account with the user name {username!r}.",
            detail={"username": username},
        )
    return user
