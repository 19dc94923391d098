from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "hiroba.tenancy"
    label = "tenancy"
