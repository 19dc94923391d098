"""Error pages in the site's layout, with a code and a Japanese and English message, never a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from hiroba.core.errors import AppError, NotFound, PermissionDenied, error_page


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, NotFound("not_found", ja="ページが見つかりません。", en="Page not found."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, PermissionDenied("forbidden", ja="このページを見る権限がありません。", en="You may not see this page.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: the failure may lie in a context processor or the database.
    error = AppError(
        "server.error",
        ja="システムの不具合が発生しました。時間をおいて再度お試しください。",
        en="Something went wrong on our side. Please try again later.",
    )
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=500)
    return HttpResponse(loader.render_to_string("500.html", {"error": error}), status=500)
