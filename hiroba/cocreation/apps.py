from django.apps import AppConfig


class CocreationConfig(AppConfig):
    name = "hiroba.cocreation"
    label = "cocreation"
