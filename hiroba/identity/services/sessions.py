"""Signing accounts in and out of browser sessions, with idle and absolute time-outs."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import login, logout
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from hiroba.core.audit import Actor, audit_record
from hiroba.core.models import Channel
from hiroba.identity.events import IdentityEvent
from hiroba.identity.models import User

AUTH_AT = "hiroba_auth_at"
SEEN_AT = "hiroba_seen_at"
METHOD = "hiroba_auth_method"
# The last-seen time is written back at most this often, so that reading a page does not write the session each time.
SEEN_RESOLUTION = 60


def session_sign_in(request: HttpRequest, user: User, *, method: str) -> None:
    """Start a fresh session for `user` (a new session key: no fixation). `method` is kept for step-up decisions."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[METHOD] = method


def session_clock_start(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """On every sign-in, however it happens (the `user_logged_in` signal): the time-outs count from now."""
    now = int(time.time())
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now


def session_expired(request: HttpRequest, *, now: int | None = None) -> bool:
    """True when the signed-in session has been idle or alive for too long; refreshes the last-seen time otherwise."""
    now = int(time.time()) if now is None else now
    auth_at = int(request.session.get(AUTH_AT, 0))
    seen_at = int(request.session.get(SEEN_AT, 0))
    if now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT or now - seen_at > settings.SESSION_IDLE_TIMEOUT:
        return True
    if now - seen_at >= SEEN_RESOLUTION:
        request.session[SEEN_AT] = now
    return False


def session_idle_left(request: HttpRequest, *, now: int | None = None) -> int:
    """Seconds before the signed-in session ends for want of use (what the page's warning counts down from)."""
    now = int(time.time()) if now is None else now
    idle: int = settings.SESSION_IDLE_TIMEOUT
    return max(0, idle - (now - int(request.session.get(SEEN_AT, now))))


def session_touch(request: HttpRequest, *, now: int | None = None) -> None:
    """The person asked to stay signed in: the idle time-out counts from now (the absolute one does not move)."""
    request.session[SEEN_AT] = int(time.time()) if now is None else now


def session_sign_out(request: HttpRequest) -> None:
    logout(request)


@transaction.atomic(durable=True)
def session_sign_out_everywhere(request: HttpRequest, *, user: User) -> None:
    """Invalidate every session of the account (other browsers, lost phones), then sign this one out too."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    audit_record(
        tag=IdentityEvent.SIGNED_OUT_EVERYWHERE,
        actor=Actor.for_user(user, channel=Channel.WEB),
        subject=f"user:{user.public_id}",
    )
    transaction.on_commit(lambda: logout(request))
