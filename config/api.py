"""The HTTP API at /api/v1: one router per app, one error shape for every refusal."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from hiroba.assist.api_channels import router as assist_channels_router
from hiroba.cocreation.api import router as cocreation_router
from hiroba.core.errors import AppError, Invalid, NotAuthenticated, NotFound
from hiroba.health.api import router as health_router
from hiroba.identity.api import router as identity_router
from hiroba.tenancy.api import router as tenancy_router
from hiroba.voting.api import router as voting_router
from hiroba.wallet.api import router as wallet_router

api = NinjaAPI(
    title="Hiroba API",
    version="1",
    description="ひろば — shared services for Japanese municipalities. Every error is "
    '`{"code": ..., "message": {"ja": ..., "en": ...}}`; every mutating request needs an `Idempotency-Key` header.',
    urls_namespace="api-v1",
)
api.add_router("/", tenancy_router)
api.add_router("/identity/", identity_router)
api.add_router("/", wallet_router)
api.add_router("/", health_router)
api.add_router("/", assist_channels_router)
api.add_router("/", voting_router)
api.add_router("/", cocreation_router)


def _error(request: HttpRequest, error: AppError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(AppError)
def on_app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return _error(request, exc)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [{"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type", "")} for e in exc.errors]
    return _error(
        request,
        Invalid(
            "request.invalid",
            ja="入力内容に誤りがあります。",
            en="The request is not valid.",
            detail={"errors": fields},
        ),
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        NotAuthenticated(
            "auth.required",
            ja="ログインが必要です。",
            en="You need to sign in.",
        ),
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, NotFound("not_found", ja="見つかりません。", en="Not found."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    error = AppError("http.error", ja="リクエストを処理できません。", en=str(exc))
    return api.create_response(request, error.as_dict(), status=exc.status_code)
