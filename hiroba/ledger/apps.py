from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "hiroba.ledger"
    label = "ledger"

    def ready(self) -> None:
        from hiroba.ledger import rows  # noqa: F401 (connects the SQLite hash function to every new connection)
