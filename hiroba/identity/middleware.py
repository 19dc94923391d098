"""Ends signed-in sessions that were idle, or alive, for too long (settings SESSION_IDLE/ABSOLUTE_TIMEOUT)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from hiroba.identity.services.sessions import session_expired, session_sign_out


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and session_expired(request):
            session_sign_out(request)
        return self.get_response(request)
