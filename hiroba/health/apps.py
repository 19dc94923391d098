from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "hiroba.health"
    label = "health"
