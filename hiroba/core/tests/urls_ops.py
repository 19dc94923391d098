"""The operations endpoints alone, as config/urls.py wires them, so their tests do not depend on the rest."""

from __future__ import annotations

from django.urls import path

from hiroba.core import health, observability

urlpatterns = [
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", observability.metrics_view),
]
