from __future__ import annotations

from django.http import HttpRequest

from hiroba.identity.services import session_idle_left


def session(request: HttpRequest) -> dict[str, object]:
    """Seconds before a signed-in session ends for want of use: the page's time-out warning counts down from it."""
    user = getattr(request, "user", None)
    return {"session_idle_left": session_idle_left(request) if user is not None and user.is_authenticated else None}
