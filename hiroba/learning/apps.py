from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "hiroba.learning"
    label = "learning"
