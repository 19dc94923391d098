"""Site-wide pages: errors in the site's layout (a code and a Japanese and English message, never a stack trace),
the text-size switch and the accessibility policy."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from hiroba.core.errors import AppError, NotFound, PermissionDenied, error_page
from hiroba.core.textsize import STANDARD, TEXT_SIZE_COOKIE, TEXT_SIZES

# The date of the last full self-check in docs/accessibility.md; the policy page quotes it.
ACCESSIBILITY_CHECKED_ON = date(2026, 11, 26)


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


@require_POST
def text_size_set(request: HttpRequest) -> HttpResponse:
    """Remember the chosen text size for a year and go back to the page the form was on (same site only)."""
    next_url = request.POST.get("next", "")
    same_site = {request.get_host()}
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=same_site, require_https=request.is_secure()):
        next_url = "/"
    size = request.POST.get("size", STANDARD)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        TEXT_SIZE_COOKIE,
        size if size in dict(TEXT_SIZES) else STANDARD,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )
    return response


@require_GET
def accessibility_policy(request: HttpRequest) -> HttpResponse:
    """The web accessibility policy (ウェブアクセシビリティ方針) and the latest test results, as 総務省's
    みんなの公共サイト運用ガイドライン asks public bodies to publish."""
    return render(request, "accessibility.html", {"checked_on": ACCESSIBILITY_CHECKED_ON})
