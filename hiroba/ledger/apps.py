from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "hiroba.ledger"
    label = "ledger"

    def ready(self) -> None:
        from hiroba.core import bulk  # noqa: F401 (connects the SQLite hash function to every new connection)
