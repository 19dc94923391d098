"""One error hierarchy for the whole platform.

Services raise an `AppError`; the API and the pages turn it into a response with a machine-readable
`code`, a Japanese and an English message, and the right HTTP status. Nothing else reaches the user:
any other exception is a bug and becomes a plain 500 page without a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language


def in_english() -> bool:
    """The page is in English (Japanese and やさしい日本語 both show the Japanese message)."""
    return (get_language() or "ja").startswith("en")


class AppError(Exception):
    """A refusal the user can act on. `code` is stable: clients and tests match on it."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, *, ja: str, en: str, detail: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.message_ja = ja
        self.message_en = en
        self.detail = dict(detail or {})

    def message(self) -> str:
        """The message in the active language."""
        return self.message_en if in_english() else self.message_ja

    def line(self) -> str:
        """The message in the active language with its reason code, for a notice beside a form."""
        return f"{self.message()} ({self.code})"

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": {"ja": self.message_ja, "en": self.message_en}}
        if self.detail:
            body["detail"] = self.detail
        return body


class Invalid(AppError):
    """The input is malformed or breaks a rule (422)."""

    status = 422


class NotAuthenticated(AppError):
    status = 401


class PermissionDenied(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    """The input is well formed but clashes with the current state (409)."""

    status = 409


def error_page(request: HttpRequest, error: AppError) -> HttpResponse:
    """The error as a page in the layout, or as the API's JSON error body under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status)
    return render(request, "error.html", {"error": error}, status=error.status)


class AppErrorMiddleware:
    """Renders an `AppError` raised by a page view as a page in the layout, with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AppError):
            return error_page(request, exception)
        return None
