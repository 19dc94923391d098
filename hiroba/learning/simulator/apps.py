from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    """The My Number Card simulator for staff training: a sandbox town walked with a virtual card."""

    name = "hiroba.learning.simulator"
    label = "simulator"
    default_auto_field = "django.db.models.BigAutoField"
