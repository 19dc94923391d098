from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hiroba.core"
    label = "core"
