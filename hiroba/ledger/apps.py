from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "hiroba.ledger"
    label = "ledger"
