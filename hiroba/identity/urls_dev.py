"""Test-rig routes, included by config/urls.py only when settings.TEST_RIG is on."""

from django.urls import path

from hiroba.identity import views_dev

urlpatterns = [
    path("dev/oidc/.well-known/openid-configuration", views_dev.metadata, name="dev-oidc-metadata"),
    path("dev/oidc/jwks", views_dev.jwks, name="dev-oidc-jwks"),
    path("dev/oidc/authorize", views_dev.authorize, name="dev-oidc-authorize"),
    path("dev/oidc/token", views_dev.token, name="dev-oidc-token"),
    path("dev/ocsp", views_dev.ocsp, name="dev-ocsp"),
    path("dev/cards/", views_dev.cards, name="dev-cards"),
    path("dev/cards/<str:name>", views_dev.card_file, name="dev-card-file"),
]
