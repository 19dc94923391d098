"""The project's URLs plus two that fail on purpose, to check what a bug looks like to a user."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    message = "a bug with a secret inside: DATABASE_URL=postgresql://u:hunter2@db/x"
    raise RuntimeError(message)


urlpatterns = [*urlpatterns, path("broken/", broken), path("api/broken/", broken)]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
