from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "hiroba.identity"
    label = "identity"
